/**
 * The resources the server serves, looked up by group, version and plural name (or short
 * name, for error messages), and listed for discovery. Built once at start-up from
 * `ResourceDefinition`s; nothing here knows a particular resource.
 */
import type { ResourceDefinition } from './resource.js';

export class ResourceRegistry {
  private readonly byPath = new Map<string, ResourceDefinition>();
  readonly all: readonly ResourceDefinition[];

  constructor(defs: readonly ResourceDefinition[]) {
    this.all = defs;
    for (const d of defs) {
      const k = this.pathKey(d.names.group, d.names.version, d.names.resource);
      if (this.byPath.has(k)) throw new Error(`resource ${k} is defined twice`);
      this.byPath.set(k, d);
    }
  }

  private pathKey(group: string, version: string, resource: string): string {
    return `${group}/${version}/${resource}`;
  }

  lookup(group: string, version: string, resource: string): ResourceDefinition | undefined {
    return this.byPath.get(this.pathKey(group, version, resource));
  }

  /** The group/versions served, in definition order (core first when present). */
  groupVersions(): Array<{ group: string; version: string; resources: ResourceDefinition[] }> {
    const out = new Map<string, { group: string; version: string; resources: ResourceDefinition[] }>();
    for (const d of this.all) {
      const k = `${d.names.group}/${d.names.version}`;
      let gv = out.get(k);
      if (!gv) out.set(k, (gv = { group: d.names.group, version: d.names.version, resources: [] }));
      gv.resources.push(d);
    }
    return [...out.values()];
  }

  /** Whether a group (any version) is served. */
  hasGroup(group: string): boolean {
    return this.all.some((d) => d.names.group === group);
  }
}
