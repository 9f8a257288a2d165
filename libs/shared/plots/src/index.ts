export { lineChartSvg, lineChartsSvg, type LineChart, type LinePoint, type LineSeries } from './line-chart';
export { barChartSvg, type Bar, type BarChart, type BarGroup } from './bar-chart';
