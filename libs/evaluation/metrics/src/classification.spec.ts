import { describe, expect, it } from 'vitest';
import { accuracy, macroF1 } from './classification';
import { MultilabelAveragePrecision, averagePrecision } from './average-precision';

describe('accuracy', () => {
  it('counts equal predictions; a negative prediction (none) is wrong', () => {
    expect(accuracy([0, 1, 2, 2], [0, 2, 2, -1])).toBe(0.5);
  });

  it('row counts weight rows as repeated rows would', () => {
    expect(accuracy([0, 1, 2], [0, 2, 2], Int32Array.of(3, 1, 0))).toBe(0.75);
    expect(accuracy([0, 0, 0, 1], [0, 0, 0, 2])).toBe(0.75);
  });

  it('rejects predictions that do not match the labels', () => {
    expect(() => accuracy([0, 1], [0])).toThrow('1 predictions for 2 labels');
    expect(() => accuracy([0, -1], [0, 0])).toThrow('labels[1] = -1');
  });
});

describe('macroF1 (F1 = 2TP / (2TP + FP + FN) per class, mean over classes in labels or predictions)', () => {
  it('three classes, by hand', () => {
    // labels 0 0 1 1 2 2, predictions 0 1 1 1 2 0:
    // class 0: TP 1, true 2, predicted 2 → 2/4; class 1: TP 2, true 2, predicted 3 → 4/5;
    // class 2: TP 1, true 2, predicted 1 → 2/3. Mean (0.5 + 0.8 + 2/3) / 3 (scikit-learn gives the same).
    expect(macroF1([0, 0, 1, 1, 2, 2], [0, 1, 1, 1, 2, 0])).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 15);
  });

  it('empty classes (no true and no predicted row) are left out of the mean', () => {
    // classes 1 and 2 are empty. class 0: TP 1, true 1, predicted 2 → 2/3; class 3: TP 1, true 2, predicted 1 → 2/3.
    // Counting the empty ones as 0 would give 1/3, as 1 would give 5/6.
    expect(macroF1([0, 3, 3], [0, 3, 0])).toBeCloseTo(2 / 3, 15);
  });

  it('a class only predicted counts with F1 0; no prediction (−1) is no class', () => {
    // class 0: TP 1, true 2, predicted 1 → 2/3; class 1 (predicted once, never true) → 0
    expect(macroF1([0, 0], [0, 1])).toBeCloseTo(1 / 3, 15);
    // class 0 → 1; class 1: TP 0, true 1, predicted 0 → 0; −1 adds no class
    expect(macroF1([0, 1], [0, -1])).toBe(0.5);
  });

  it('classes present only in rows with count 0 are empty in that resample', () => {
    // rows 0, 0 and 2 counted: labels 0 0 2, predictions 0 0 2 → both classes F1 1; class 1 (row 1, count 0) is out
    expect(macroF1([0, 1, 2], [0, 1, 2], Int32Array.of(2, 0, 1))).toBe(1);
    expect(macroF1([0, 1, 2], [0, 0, 2], Int32Array.of(2, 0, 1))).toBe(1);
    expect(macroF1([0, 1, 2], [0, 0, 2])).toBeCloseTo((2 / 3 + 0 + 1) / 3, 15);
  });
});

describe('averagePrecision (scikit-learn average_precision_score)', () => {
  it("scikit-learn's documented example: 0.8333…", () => {
    // thresholds .8: P 1, R ½ → ½·1; .4: P ½, R ½ → 0; .35: P 2/3, R 1 → ½·2/3. AP = 5/6.
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(5 / 6, 15);
  });

  it('tied scores are one threshold, whatever their order', () => {
    // threshold .5 takes rows 0 and 1 together: P ½, R ½; .3: P 2/3, R 1. AP = ½·½ + ½·2/3 = 7/12.
    // (One by one, the positive first, would give 1·½ + ½·2/3 = 5/6.)
    expect(averagePrecision([0.5, 0.5, 0.3, 0.1], [1, 0, 1, 0])).toBeCloseTo(7 / 12, 15);
    expect(averagePrecision([0.5, 0.5, 0.3, 0.1], [0, 1, 1, 0])).toBeCloseTo(7 / 12, 15);
  });

  it('no positive → NaN; counts act as sample weights', () => {
    expect(averagePrecision([0.2, 0.1], [0, 0])).toBeNaN();
    expect(averagePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1], Int32Array.of(1, 2, 1, 1))).toBeCloseTo(
      averagePrecision([0.1, 0.4, 0.4, 0.35, 0.8], [0, 0, 0, 1, 1]),
      15,
    );
    expect(() => averagePrecision([0.1, 0.2], [0, 2])).toThrow('targets[1] = 2: targets are 0 or 1');
  });
});

describe('MultilabelAveragePrecision: mAP over classes with a positive', () => {
  it('three classes, the last with no positive (left out)', () => {
    // n = 4 rows × k = 3 classes. Class 0 is the documented example (AP 5/6), class 1 the tie example (7/12).
    const scores = Float64Array.of(0.1, 0.5, 0.9, 0.4, 0.5, 0.8, 0.35, 0.3, 0.7, 0.8, 0.1, 0.6);
    const targets = Int8Array.of(0, 1, 0, 0, 0, 0, 1, 1, 0, 1, 0, 0);
    const map = new MultilabelAveragePrecision(scores, targets, 4, 3);
    expect(map.classAveragePrecision(0)).toBeCloseTo(5 / 6, 15);
    expect(map.classAveragePrecision(1)).toBeCloseTo(7 / 12, 15);
    expect(map.classAveragePrecision(2)).toBeNaN();
    expect(map.map()).toBeCloseTo((5 / 6 + 7 / 12) / 2, 15);
    // rows 0 and 1 only: class 0 has no positive left; class 1 scores .5/.5 with targets 1/0 → AP ½
    expect(map.map(Int32Array.of(1, 1, 0, 0))).toBeCloseTo(0.5, 15);
  });

  it('rejects a shape that does not match', () => {
    expect(() => new MultilabelAveragePrecision(new Float64Array(6), new Int8Array(4), 2, 3)).toThrow(
      'targets hold 4 values, expected n×k = 2×3',
    );
  });
});
