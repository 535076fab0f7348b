/**
 * A promise that never settles and keeps the process alive meanwhile, for the children that wait
 * to be SIGKILLed at a chosen point. A bare pending promise does not keep it alive: once nothing else
 * is pending (the IPC listener has fired once), the process would end on its own, with exit 0,
 * before the test's SIGKILL.
 */
export function forever() {
  return new Promise(() => {
    setInterval(() => {}, 1 << 30);
  });
}
