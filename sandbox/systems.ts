/**
 * Names of the simulated upstream systems, shared by fault injection and the
 * call log so that tests address a system the same way everywhere.
 */

/** The four central systems, one instance each. */
export type CentralSystem = 'matterRegistry' | 'eCertificates' | 'dataCenter' | 'evaluation';

export const CENTRAL_SYSTEMS: readonly CentralSystem[] = ['matterRegistry', 'eCertificates', 'dataCenter', 'evaluation'];

/**
 * A central system, or a department code naming that department's approval
 * system. (`string & {}` keeps editor completion for the central names.)
 */
export type SystemName = CentralSystem | (string & {});
