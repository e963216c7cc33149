/**
 * Validation of an application against its plan (DESIGN.md, "Applications",
 * rule 1): the answers are complete, the form values are present and typed by
 * the merged form, and every non-exempt required material is uploaded, or
 * deferred (容缺) when every needing matter tolerates it.
 *
 * Every problem is collected and reported at once in one
 * {@link InvalidInputError}; nothing is thrown half-way. Pure functions: no
 * GraphQL, no HTTP, no database. Messages never repeat the applicant's form
 * values (they may be personal data, and error messages end up in logs).
 */
import { InvalidInputError, parseDecimal, type InputProblem } from './answers.ts';
import type { Exemption, Plan, PlanFormField, PlanMaterial } from './plan.ts';

/** How the applicant wants the results (GraphQL `DeliveryMethod`). */
export type DeliveryMethod = 'WINDOW' | 'POST' | 'ONLINE';

/**
 * How a department gets a material (GraphQL `Provision`, the approval
 * contract's `MaterialRef.provision`): handed in (UPLOADED), one of the
 * exemption reasons, or DEFERRED (容缺, handed in later on commitment).
 */
export type Provision =
  | 'UPLOADED'
  | 'E_CERTIFICATE'
  | 'DATA_SHARING'
  | 'INTERNAL_RESULT'
  | 'GOVERNMENT_ISSUED'
  | 'DEFERRED';

/** One uploaded file for one material (GraphQL `UploadInput`). */
export interface UploadRef {
  materialCode: string;
  fileRef: string;
}

/** What {@link validateSubmission} checks. */
export interface SubmissionInput {
  /** Built from the answers that could be read (see `unreadableAnswers`). */
  plan: Plan;
  /**
   * The problems of the answers that could not be typed (`readableAnswers`),
   * reported first; the plan was built without them, so the checks that
   * depend on which matters apply say that they may change. Default none.
   */
  unreadableAnswers?: readonly InputProblem[];
  /** Problems of the applicant's own form fields (`applicantFieldProblems`), reported with the form's. Default none. */
  applicantProblems?: readonly InputProblem[];
  /** Form values as text (GraphQL `FieldValueInput`). */
  form: readonly { key: string; value?: string | null }[];
  uploads: readonly UploadRef[];
  /** Material codes the applicant defers (容缺). */
  deferredMaterials: readonly string[];
  /** The fileRefs this applicant uploaded; any other fileRef is "not found". */
  ownedFileRefs: ReadonlySet<string>;
}

/** How one merged material of the plan is provided. */
export interface MaterialProvision {
  code: string;
  name: string;
  /** `null` = an optional material that is not provided. */
  provision: Provision | null;
  /** The uploaded files, in upload order, without repeats; empty unless UPLOADED. */
  fileRefs: string[];
  exemption: Exemption | null;
  /** Codes of the applied matters that need it, in topic order. */
  requiredBy: readonly string[];
}

/** A submission that passed {@link validateSubmission}. */
export interface ValidSubmission {
  /**
   * Typed values by key, in merged-form order, only the fields given:
   * NUMBER → number, BOOLEAN → boolean, STRING/DATE/ENUM → string.
   */
  form: Record<string, string | number | boolean>;
  /** Every merged material of the plan, in plan order. */
  materials: MaterialProvision[];
}

/** A fileRef as the gateway's upload endpoint returns it. */
const FILE_REF = /^sha256:[0-9a-f]{64}$/;

/** YYYY-MM-DD, exactly. */
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const quote = (v: string): string => JSON.stringify(v);

/** Whether `text` is exactly YYYY-MM-DD and a real date of the Gregorian calendar (year 0001–9999). */
export function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] as number;
  return day <= days;
}

/** Length in Unicode code points (a CJK extension character or an emoji counts as one). */
const codePoints = (text: string): number => {
  let n = 0;
  for (const _ of text) n++;
  return n;
};

const describeField = (f: PlanFormField): string => `field ${quote(f.key)} (${f.label})`;
const describeMaterial = (m: PlanMaterial): string => `material ${quote(m.code)} (${m.name})`;
const listMatters = (codes: readonly string[]): string =>
  `${codes.length === 1 ? 'matter' : 'matters'} ${codes.map(quote).join(', ')}`;

/** Why an exempt material must not be handed in, for the applicant. */
function exemptionExplanation(exemption: Exemption): string {
  switch (exemption.reason) {
    case 'INTERNAL_RESULT':
      return exemption.producedBy !== undefined
        ? `it is the result of matter ${quote(exemption.producedBy)} of this application, passed on by the departments (审批结果互通)`
        : 'it is the result of another matter of this application, passed on by the departments (审批结果互通)';
    case 'E_CERTIFICATE':
      return 'a valid electronic certificate of it is in the e-certificate library (电子证照)';
    case 'DATA_SHARING':
      return 'the department obtains it from the big-data center (数据共享)';
    case 'GOVERNMENT_ISSUED':
      return 'it is issued by a government department, which verifies it itself (政府核发免提交)';
  }
}

/**
 * Checks one given (non-blank) value against its merged field; returns the
 * typed value, or the problem. STRING, DATE and ENUM values are kept exactly
 * as given; NUMBER uses {@link parseDecimal} (surrounding whitespace
 * tolerated); BOOLEAN, DATE and ENUM must match exactly.
 */
function typeValue(
  f: PlanFormField,
  value: string,
): { value: string | number | boolean } | { code: string; message: string } {
  switch (f.type) {
    case 'STRING': {
      if (f.maxLength !== null) {
        const length = codePoints(value);
        if (length > f.maxLength) {
          return {
            code: 'TOO_LONG',
            message: `${describeField(f)} takes at most ${f.maxLength} characters, got ${length}`,
          };
        }
      }
      return { value };
    }
    case 'NUMBER': {
      const n = parseDecimal(value);
      if (n === null) {
        return { code: 'NOT_A_NUMBER', message: `${describeField(f)} takes a decimal number such as 12 or 3.5` };
      }
      return { value: n };
    }
    case 'DATE': {
      if (!isCalendarDate(value)) {
        return {
          code: 'NOT_A_DATE',
          message: `${describeField(f)} takes a real calendar date written YYYY-MM-DD, such as 2026-02-28`,
        };
      }
      return { value };
    }
    case 'BOOLEAN': {
      if (value === 'true') return { value: true };
      if (value === 'false') return { value: false };
      return { code: 'NOT_A_BOOLEAN', message: `${describeField(f)} takes "true" or "false"` };
    }
    case 'ENUM': {
      // null options = the registry gave no list: not restricted (as in mergeForms).
      if (f.options === null || f.options.includes(value)) return { value };
      const allowed = f.options.length > 0 ? `one of ${f.options.map(quote).join(', ')}` : 'no option at all (the registry lists none)';
      return { code: 'NOT_AN_OPTION', message: `${describeField(f)} is not one of its options; it takes ${allowed}` };
    }
  }
}

/** The form part of the validation: typed values, problems pushed to `problems`. */
function validateForm(
  fields: readonly PlanFormField[],
  form: SubmissionInput['form'],
  problems: InputProblem[],
  provisional: (message: string) => string,
): Record<string, string | number | boolean> {
  const byKey = new Map<string, PlanFormField>();
  for (const f of fields) if (!byKey.has(f.key)) byKey.set(f.key, f);

  const typed = new Map<string, string | number | boolean>();
  const seen = new Set<string>();
  const given = new Set<string>(); // keys whose (first) value is not blank, valid or not
  const reported = new Set<string>();

  for (const { key, value } of form) {
    const field = `form.${key}`;
    const f = byKey.get(key);
    if (!f) {
      if (!reported.has(key)) {
        reported.add(key);
        problems.push({ field, code: 'UNKNOWN_FIELD', message: provisional(`${quote(key)} is not a field of this application's form`) });
      }
      continue;
    }
    if (seen.has(key)) {
      if (!reported.has(key)) {
        reported.add(key);
        problems.push({ field, code: 'DUPLICATE_FIELD', message: `${describeField(f)} is given more than once` });
      }
      continue;
    }
    seen.add(key);
    if (value === null || value === undefined || value.trim() === '') continue; // not given
    given.add(key);
    const result = typeValue(f, value);
    if ('code' in result) problems.push({ field, code: result.code, message: result.message });
    else typed.set(key, result.value);
  }

  for (const f of byKey.values()) {
    if (!f.required || given.has(f.key)) continue;
    problems.push({
      field: `form.${f.key}`,
      code: 'REQUIRED',
      message: provisional(`${describeField(f)} is required (a field of ${listMatters(f.usedBy)})`),
    });
  }

  return Object.fromEntries([...byKey.keys()].filter((k) => typed.has(k)).map((k) => [k, typed.get(k)!]));
}

/** The materials part of the validation: each material's provision, problems pushed to `problems`. */
function validateMaterials(
  input: SubmissionInput,
  problems: InputProblem[],
  provisional: (message: string) => string,
): MaterialProvision[] {
  const byCode = new Map<string, PlanMaterial>();
  for (const m of input.plan.materials) if (!byCode.has(m.code)) byCode.set(m.code, m);

  // An exempt material may still be handed in: the applicant may decline the evidence and upload instead (EU OOTS).
  const uploaded = new Map<string, string[]>(); // material code → good, owned fileRefs
  const attempted = new Set<string>(); // material codes with any upload, good or bad
  const reportedUnknown = new Set<string>();
  const reportedNotNeeded = new Set<string>();

  const unknown = (code: string): void => {
    if (reportedUnknown.has(code)) return;
    reportedUnknown.add(code);
    problems.push({
      field: `materials.${code}`,
      code: 'UNKNOWN_MATERIAL',
      message: provisional(`${quote(code)} is not a material of this application`),
    });
  };
  const notNeeded = (m: PlanMaterial, exemption: Exemption, what: string): void => {
    if (reportedNotNeeded.has(m.code)) return;
    reportedNotNeeded.add(m.code);
    problems.push({
      field: `materials.${m.code}`,
      code: 'NOT_NEEDED',
      message: `${describeMaterial(m)} must not be ${what}: ${exemptionExplanation(exemption)}`,
    });
  };

  for (const { materialCode, fileRef } of input.uploads) {
    const field = `materials.${materialCode}`;
    const m = byCode.get(materialCode);
    if (!m) unknown(materialCode);
    else attempted.add(materialCode);

    if (!FILE_REF.test(fileRef)) {
      problems.push({
        field,
        code: 'BAD_FILE_REF',
        message: `${quote(fileRef)} is not a file reference: expected sha256:<64 lowercase hex digits>, as returned by the upload endpoint, so whether you uploaded it could not be checked`,
      });
      continue;
    }
    if (!input.ownedFileRefs.has(fileRef)) {
      problems.push({
        field,
        code: 'FILE_NOT_FOUND',
        message: `no uploaded file ${fileRef} was found among your uploads; upload the file again`,
      });
      continue;
    }
    if (m) {
      const refs = uploaded.get(materialCode) ?? [];
      if (!refs.includes(fileRef)) refs.push(fileRef);
      uploaded.set(materialCode, refs);
    }
  }

  const deferred = new Set<string>();
  for (const code of new Set(input.deferredMaterials)) {
    const field = `materials.${code}`;
    const m = byCode.get(code);
    if (!m) {
      unknown(code);
      continue;
    }
    if (m.exemption !== null) {
      notNeeded(m, m.exemption, 'deferred');
      continue;
    }
    let ok = true;
    if (!m.tolerant) {
      ok = false;
      problems.push({
        field,
        code: 'NOT_TOLERANT',
        message: provisional(`${describeMaterial(m)} cannot be deferred (容缺): not every matter needing it (${listMatters(m.requiredBy)}) allows it; upload it`),
      });
    }
    if (attempted.has(code)) {
      ok = false;
      problems.push({
        field,
        code: 'UPLOADED_AND_DEFERRED',
        message: `${describeMaterial(m)} is both uploaded and deferred; either upload it or defer it`,
      });
    }
    if (ok) deferred.add(code);
  }
  const deferRequested = new Set(input.deferredMaterials);

  for (const m of byCode.values()) {
    if (!m.required || m.exemption !== null || attempted.has(m.code) || deferRequested.has(m.code)) continue;
    problems.push({
      field: `materials.${m.code}`,
      code: 'MISSING_MATERIAL',
      message: provisional(
        m.tolerant
          ? `${describeMaterial(m)} is required (needed by ${listMatters(m.requiredBy)}): upload it, or defer it (容缺) and hand it in later`
          : `${describeMaterial(m)} is required (needed by ${listMatters(m.requiredBy)}): upload it`,
      ),
    });
  }

  return [...byCode.values()].map((m): MaterialProvision => {
    const fileRefs = uploaded.get(m.code) ?? [];
    const provision: Provision | null =
      fileRefs.length > 0
        ? 'UPLOADED'
        : m.exemption !== null
          ? m.exemption.reason
          : deferred.has(m.code)
            ? 'DEFERRED'
            : null;
    return {
      code: m.code,
      name: m.name,
      provision,
      fileRefs: provision === 'UPLOADED' ? [...fileRefs] : [],
      exemption: m.exemption,
      requiredBy: m.requiredBy,
    };
  });
}

/**
 * Validates an application against its plan.
 *
 * Problems, all reported at once (answers that could not be read, then
 * unanswered questions, then form values in input order, missing required
 * fields in form order and the applicant's own fields that are not the
 * subject, then uploads in input order, deferrals in input order, and
 * missing materials in plan order):
 *
 * - `answers.<id>` the typing problems of `unreadableAnswers`; REQUIRED — a
 *   visible required question is unanswered (not repeated for a question
 *   whose answer could not be read).
 * - `answers` NO_MATTER — no matter applies: the form and the materials are
 *   not checked, and the problem says so.
 * - `form.<key>` UNKNOWN_FIELD, DUPLICATE_FIELD (each once per key), REQUIRED
 *   (absent, null or blank), TOO_LONG (STRING, Unicode code points over
 *   `maxLength`), NOT_A_NUMBER, NOT_A_DATE, NOT_A_BOOLEAN, NOT_AN_OPTION,
 *   and `applicantProblems` (NOT_THE_APPLICANT).
 *   A null or blank value of an optional field means "not given". Of a
 *   repeated key only the first occurrence is checked.
 * - `materials.<code>` UNKNOWN_MATERIAL (upload or deferral; once per code),
 *   NOT_NEEDED (deferral of an exempt material; once per code),
 *   BAD_FILE_REF, FILE_NOT_FOUND (checked for every upload, whatever its
 *   material), NOT_TOLERANT, UPLOADED_AND_DEFERRED, MISSING_MATERIAL (a
 *   required, non-exempt material neither uploaded nor deferred).
 *
 * When some answers could not be read, the problems that depend on which
 * questions are visible, matters apply and materials are needed (REQUIRED,
 * UNKNOWN_FIELD, UNKNOWN_MATERIAL, NOT_TOLERANT, MISSING_MATERIAL) say that
 * they were checked without those answers.
 *
 * An exempt material that is uploaded anyway is accepted: its provision is
 * UPLOADED, and its exemption is kept to show what it could have been. The
 * same fileRef twice for one material counts once; a code deferred twice
 * counts once.
 *
 * @throws InvalidInputError listing every problem.
 */
export function validateSubmission(input: SubmissionInput): ValidSubmission {
  const problems: InputProblem[] = [...(input.unreadableAnswers ?? [])];
  const unreadable = [...new Set((input.unreadableAnswers ?? []).map((p) => p.field))];
  const provisional = (message: string): string =>
    unreadable.length === 0
      ? message
      : `${message} (checked without the answers that could not be read: ${unreadable.join(', ')}; this may change once they are corrected)`;

  for (const q of input.plan.questions) {
    if (q.required && !q.answered && !unreadable.includes(`answers.${q.id}`)) {
      problems.push({
        field: `answers.${q.id}`,
        code: 'REQUIRED',
        message: provisional(`question ${quote(q.id)} (${q.text}) must be answered`),
      });
    }
  }

  if (input.plan.matters.length === 0) {
    problems.push({
      field: 'answers',
      code: 'NO_MATTER',
      message: provisional('no matter of this topic applies to these answers, so the form and the materials could not be checked'),
    });
    problems.push(...(input.applicantProblems ?? []));
    throw new InvalidInputError(problems);
  }

  const formProblems: InputProblem[] = [];
  const form = validateForm(input.plan.form, input.form, formProblems, provisional);
  const ownFields = new Set((input.applicantProblems ?? []).map((p) => p.field));
  problems.push(...formProblems.filter((p) => !ownFields.has(p.field)), ...(input.applicantProblems ?? []));
  const materials = validateMaterials(input, problems, provisional);

  if (problems.length > 0) throw new InvalidInputError(problems);
  return { form, materials };
}

/**
 * The typed values of one matter's fields (the approval contract's
 * `CaseSubmission.form`), in the matter's field order; fields not given are
 * absent.
 */
export function formForMatter(
  form: ValidSubmission['form'],
  matterFields: readonly { key: string }[],
): Record<string, string | number | boolean> {
  const entries: [string, string | number | boolean][] = [];
  const seen = new Set<string>();
  for (const { key } of matterFields) {
    if (seen.has(key) || !Object.hasOwn(form, key)) continue;
    seen.add(key);
    entries.push([key, form[key]!]);
  }
  return Object.fromEntries(entries);
}

/**
 * The materials one matter receives (the approval contract's
 * `CaseSubmission.materials`): those whose `requiredBy` includes the matter
 * and that are provided — an optional material not provided (provision
 * `null`) is left out, since `MaterialRef.provision` cannot be null.
 */
export function materialsForMatter(materials: readonly MaterialProvision[], matterCode: string): MaterialProvision[] {
  return materials.filter((m) => m.provision !== null && m.requiredBy.includes(matterCode));
}
