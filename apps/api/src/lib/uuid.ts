const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `id` is written as a UUID; ids that are not are as unknown as any other (404). */
export function isUuid(id: string): boolean {
  return UUID.test(id);
}
