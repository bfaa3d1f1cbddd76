/** Register and descriptor values in the SMMU structures' fault and explain texts. */
export const hex = (v: bigint): string => `0x${v.toString(16)}`;
