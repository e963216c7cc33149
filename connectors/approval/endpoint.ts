/**
 * A department's approval system as the gateway knows it: registered at run
 * time through `registerConnector`, stored with its secrets sealed, and
 * looked up by department whenever a case is delivered or read.
 */

export interface ApprovalEndpoint {
  id: string;
  departmentCode: string;
  /** Base URL without trailing slash. */
  baseUrl: string;
  /** The bearer token the approval system expects (unsealed; never leaves the process). */
  token: string;
  /** Key of the caseStatusChanged webhook signature; `null` = webhooks refused. */
  webhookSecret: string | null;
  matterCodes: string[];
  /** Deadline of one call to this system, in milliseconds. */
  timeoutMs: number;
}

/** Where the delivery, the poller and the status loaders find a department's approval system. */
export interface ApprovalDirectory {
  /** The live connector of a department, or `null` when none is registered. */
  forDepartment(departmentCode: string): Promise<ApprovalEndpoint | null>;
  /** Every live connector. */
  all(): Promise<ApprovalEndpoint[]>;
}
