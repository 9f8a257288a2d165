/** A concept whose activation rate or mass moved: reference vs now, with its corrected significance q. */
export interface ConceptChange {
  label: string;
  referenceRate: number;
  currentRate: number;
  referenceMass: number;
  currentMass: number;
  q: number;
}

/** Fidelity (cosine) or L0, reference vs now; `changed` when q is at or below the test's level. */
export interface SignalChange {
  name: 'cosine' | 'l0';
  referenceMean: number;
  currentMean: number;
  q: number;
  changed: boolean;
}
