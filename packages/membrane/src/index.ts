// The membrane's two sides: "wet" is the guest's, inside the engine; "dry" is the host's.

/** The guest's side of the membrane, inside the engine. */
export const WET = 'wet' as const;
/** The host's side of the membrane, in the embedding JavaScript. */
export const DRY = 'dry' as const;

export type Side = typeof WET | typeof DRY;
