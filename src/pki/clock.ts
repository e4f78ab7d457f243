/** Time source, injectable as upstream Kubernetes does (k8s.io/utils/clock), so validity maths is testable. */
export interface Clock {
  now(): Date;
}
export const systemClock: Clock = { now: () => new Date() };
export const fixedClock = (d: Date | string): Clock => {
  const t = new Date(d);
  return { now: () => new Date(t) };
};
