/**
 * PAR2 parity for archives: compute the recovery sets an archive lacks,
 * check their health, repair damaged or missing files byte-exactly — for an
 * archive directory or, through a {@link ParityPlace}, one in object storage.
 *
 * @module
 */

export { PARITY_DEFAULTS, type ParityOptions } from "./archive_parity.ts";
export {
  type ArchiveRepair,
  checkParity,
  type ParityReport,
  repairArchive,
  type SetHealth,
} from "./check_archive_parity.ts";
export { localParityPlace, type ParityPlace, stagedParityPlace } from "./parity_place.ts";
export { DamagedInputError, protectArchive, type ProtectResult } from "./protect_archive.ts";
