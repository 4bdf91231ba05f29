import type { RemovalHoldState } from '../../src/reconcile/removal-hold.js';

/** The removal guard's state when nothing is held: what stubs of the reconciler report. */
export const NO_HOLD: RemovalHoldState = {
  held: false,
  since: undefined,
  pending: 0,
  managed: 0,
  confirmed: false,
  confirmedTargets: [],
  reason: undefined,
};
