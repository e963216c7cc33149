const chinaDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' });

/** The calendar date of an instant in China Standard Time, YYYY-MM-DD: deadlines fall on local days. */
export function chinaDateOf(instant: Date): string {
  return chinaDate.format(instant);
}
