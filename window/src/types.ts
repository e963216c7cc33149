/** The console's settings and the answers of the operations it sends (window/page.ts). */
import type { CodeName, Plan } from '../../citizen/src/types.ts';

export type OperationName = 'WindowTopics' | 'StartAssistance' | 'EndAssistance' | 'WindowPlan' | 'WindowSubmit' | 'WindowReceipt';

export interface WindowConfig {
  endpoint: string;
  uploadPath: string;
  region: string;
  operations: Record<OperationName, string>;
  /** Sandbox demo staff (empty with real upstreams). */
  demoStaff: Array<{ name: string; staffId: string; hall: string; token: string }>;
}

export type Consent = 'CODE' | 'IN_PERSON';

export interface AssistanceSession {
  id: string;
  topicCode: string;
  topic: CodeName | null;
  staffId: string;
  hall: string;
  consent: Consent;
  /** Masked. */
  applicantId: string;
  applicantName: string;
  startedAt: string;
  expiresAt: string;
  endedAt: string | null;
  active: boolean;
}

export interface WindowPlan extends Plan {
  notice: { url: string; personal: boolean };
}

export interface PlannedTopic extends CodeName {
  windowAddress: string | null;
  plan: WindowPlan;
}

export interface SubmittedApplication {
  id: string;
  status: string;
  channel: string;
  submittedAt: string;
  assistedBy: { staffId: string; hall: string; consent: Consent } | null;
  cases: Array<{ matter: CodeName; department: CodeName | null; status: string }>;
}

export interface Receipt {
  reference: string;
  verificationCode: string;
  dueDate: string;
  committedDays: number;
  url: string;
}
