import { describe, expect, it } from 'vitest';

import { casesOfDepartment } from '../../store/applications.ts';
import type { Queryable } from '../../store/database.ts';
import { backends, openFresh, postgresSkipped } from './backends.ts';

if (postgresSkipped) console.warn(postgresSkipped);

const FOOD = 'SCJGJ-440514';
const FIRE = 'XFDD-440514';

/** An application submitted at `at` with one IN_REVIEW case in each of `departments`. */
async function submitted(db: Queryable, id: string, at: string, departments: readonly string[]) {
  await db.query(
    `INSERT INTO applications (id, applicant, applicant_kind, applicant_name, topic_code, topic_name, topic_version, region,
       answers, form, delivery_method, idempotency_key, materials_before, materials_to_submit, legal_days_total, committed_days,
       submitted_at, updated_at)
     VALUES ($1, '440514199403120356', 'PERSON', '陈晓明', 'CN-YJS-KCG', '我要开餐馆', 1, '440514', '{}'::jsonb, '{}'::jsonb,
       'WINDOW', $1, 5, 2, 35, 13, $2, $2)`,
    [id, new Date(at)],
  );
  for (const [i, department] of departments.entries()) {
    await db.query(
      `INSERT INTO cases (id, application_id, position, matter_code, matter_name, department_code, depends_on, status, updated_at)
       VALUES ($1, $2, $3, $4, '事项', $5, '{}', 'IN_REVIEW', now())`,
      [`${id}-${i + 1}`, id, i + 1, `M-${i + 1}`, department],
    );
  }
}

describe.each(backends.map((b) => [b.kind, b] as const))('a department’s cases on the %s database', (_kind, backend) => {
  it('come newest application first, page after page, each case once', async () => {
    const db = await openFresh(backend);
    await submitted(db, 'A-OLD', '2026-03-01T09:00:00+08:00', [FOOD, FIRE]);
    await submitted(db, 'A-NEW', '2026-03-03T09:00:00+08:00', [FOOD]);
    await submitted(db, 'A-MID', '2026-03-02T09:00:00+08:00', [FIRE, FOOD]);

    const first = await casesOfDepartment(db, FOOD, { first: 2 });
    const second = await casesOfDepartment(db, FOOD, { first: 2, after: first.endCursor });

    expect(first.items.map((e) => [e.node.id, e.node.submittedAt.toISOString()])).toEqual([
      ['A-NEW-1', '2026-03-03T01:00:00.000Z'],
      ['A-MID-2', '2026-03-02T01:00:00.000Z'],
    ]);
    expect(first.hasNextPage).toBe(true);
    expect(second.items.map((e) => e.node.id)).toEqual(['A-OLD-1']);
    expect(second.hasNextPage).toBe(false);
  });

  it('carry their application’s submission time, set by the database', async () => {
    const db = await openFresh(backend);
    await submitted(db, 'A-ONE', '2026-05-20T14:30:00+08:00', [FOOD, FIRE]);

    const { rows } = await db.query<{ id: string; submitted_at: Date }>('SELECT id, submitted_at FROM cases ORDER BY id');

    expect(rows).toEqual([
      { id: 'A-ONE-1', submitted_at: new Date('2026-05-20T06:30:00Z') },
      { id: 'A-ONE-2', submitted_at: new Date('2026-05-20T06:30:00Z') },
    ]);
  });
});
