/** Every check that runs on the IR; the engine orders them by prerequisites, then code. */
import type { Check } from "../check.js";
import {
  dmaMaskTooSmall,
  iovaOverlap,
  misalignedAddress,
  nonCanonicalAddress,
  outsideAperture,
  reservedOverlap,
  unsupportedPageSize,
} from "./addresses.js";
import { groupSplit, multipleDomains, scenarioAttachBusy } from "./attachment.js";
import {
  containerNotTce,
  lockedLimitExceeded,
  ownerLimitConflict,
  registerConflict,
  registerUnaligned,
  spaprV1Rules,
  tceNotInOneRegion,
  tooManyWindows,
  unregisteredMemory,
  windowBaseAlignment,
  windowLevels,
  windowOverlap,
  windowPageSize,
  windowSize,
} from "./containers.js";
import { apertureBeyondInput, mapIntoIdentityOrBlocked, paBeyondOutput } from "./domain-limits.js";
import { expectContradiction } from "./expects.js";
import { outsideRegion, poolOutsideRam, poolTooSmall, regionOverlap } from "./memory.js";
import { mmioCacheable, p2pMissing, p2pRam } from "./memory-types.js";
import { execImpliesRead, readImpliesWrite, writeImpliesRead } from "./rights.js";
import { mapAfterRevoke, pinRefused, revokeNoMmu, revokeWhilePinned } from "./p2p.js";
import { regimeRights, secureTablesInNonsecureMemory, securityStateMismatch } from "./regimes.js";
import { streamIdShared, streamIdTooWide } from "./streams.js";
import {
  guestMemoryOverlap,
  guestMemoryUnbacked,
  nestedMapOutsideGuest,
  nestedPoolOutsideGuest,
} from "./nesting.js";
import { unusedDeclaration } from "./unused.js";

export const CHECKS: readonly Check[] = [
  regimeRights,
  securityStateMismatch,
  secureTablesInNonsecureMemory,
  regionOverlap,
  outsideRegion,
  poolOutsideRam,
  poolTooSmall,
  iovaOverlap,
  outsideAperture,
  reservedOverlap,
  misalignedAddress,
  unsupportedPageSize,
  dmaMaskTooSmall,
  multipleDomains,
  groupSplit,
  mmioCacheable,
  p2pRam,
  p2pMissing,
  unregisteredMemory,
  lockedLimitExceeded,
  windowOverlap,
  windowSize,
  windowLevels,
  windowPageSize,
  expectContradiction,
  unusedDeclaration,
  guestMemoryUnbacked,
  nestedPoolOutsideGuest,
  nestedMapOutsideGuest,
  guestMemoryOverlap,
  writeImpliesRead,
  windowBaseAlignment,
  tooManyWindows,
  containerNotTce,
  spaprV1Rules,
  registerUnaligned,
  registerConflict,
  tceNotInOneRegion,
  ownerLimitConflict,
  readImpliesWrite,
  execImpliesRead,
  mapIntoIdentityOrBlocked,
  apertureBeyondInput,
  paBeyondOutput,
  scenarioAttachBusy,
  nonCanonicalAddress,
  pinRefused,
  mapAfterRevoke,
  revokeWhilePinned,
  revokeNoMmu,
  streamIdTooWide,
  streamIdShared,
];
