/**
 * The whole stored memory, compared: dumps (tests/support/memory-seams.ts,
 * read in the memory worker) are diffed table by table and key by key, and an
 * action's effect is a rule over that diff: what it must change, and that it
 * changes nothing else. `meta` (action counters) and `sqlite_sequence` are
 * compared whole by `sameState` but left out of the effect rules.
 */
import type { Worker } from '@playwright/test';
import type { MemoryDump, TableDump } from '../../support/memory-seams';

export type { MemoryDump };
type Row = Record<string, unknown>;
export interface RowChange {
  before?: Row;
  after?: Row;
}
export type KeyChange = 'added' | 'removed' | 'changed';
export interface Diff {
  tables: Record<string, Record<string, RowChange>>;
  keys: Record<string, KeyChange>;
}

export const dump = (w: Worker) => w.evaluate('self.memoryDump()') as Promise<MemoryDump>;

const eq = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function diff(a: MemoryDump, b: MemoryDump): Diff {
  const tables: Diff['tables'] = {};
  for (const t of new Set([...Object.keys(a.tables), ...Object.keys(b.tables)])) {
    const ra = a.tables[t] ?? {};
    const rb = b.tables[t] ?? {};
    const changes: Record<string, RowChange> = {};
    for (const id of new Set([...Object.keys(ra), ...Object.keys(rb)])) {
      if (!eq(ra[id], rb[id])) changes[id] = { before: ra[id], after: rb[id] };
    }
    if (Object.keys(changes).length) tables[t] = changes;
  }
  const keys: Diff['keys'] = {};
  for (const k of new Set([...Object.keys(a.keys), ...Object.keys(b.keys)])) {
    if (a.keys[k] === b.keys[k]) continue;
    keys[k] = !(k in a.keys) ? 'added' : !(k in b.keys) ? 'removed' : 'changed';
  }
  return { tables, keys };
}

/** Every table, row and key the same. */
export const sameState = (a: MemoryDump, b: MemoryDump): boolean => {
  const d = diff(a, b);
  return !Object.keys(d.tables).length && !Object.keys(d.keys).length;
};

/** A short account of a diff, for failure messages. */
export function describe(d: Diff): string {
  const t = Object.entries(d.tables).map(([n, c]) => `${n}: ${Object.keys(c).join(',')}`);
  const k = Object.entries(d.keys).map(([n, c]) => `${c} ${n}`);
  return [...t, ...k].join('; ') || 'no change';
}

/** What an action did, as a rule over the two states: a reason they do not match it, or null. */
export type Effect = (before: MemoryDump, after: MemoryDump) => string | null;

const IGNORED = new Set(['meta', 'sqlite_sequence']);
const rowsOf = (dump: TableDump, table: string) => Object.values(dump[table] ?? {});
const idOf = (before: MemoryDump, name: string) =>
  rowsOf(before.tables, 'persons').find((p) => p.name === name)?.id as number | undefined;
const embKeyOf = (key: string) => /^emb\/[^/]+\/(\d+)$/.exec(key)?.[1];

/**
 * Checks each changed table and key against `allow` (a reason, or null when
 * that change is part of the action); any table or key it does not name must
 * be unchanged. Then `must` (the changes the action cannot do without).
 */
function only(
  d: Diff,
  allow: {
    tables: Record<string, (id: string, c: RowChange) => string | null>;
    key: (key: string, change: KeyChange) => string | null;
  },
  must: () => string | null,
): string | null {
  for (const [table, changes] of Object.entries(d.tables)) {
    if (IGNORED.has(table)) continue;
    for (const [id, c] of Object.entries(changes)) {
      const rule = allow.tables[table];
      const why = rule ? rule(id, c) : 'not touched by this action';
      if (why) return `${table} ${id}: ${why}`;
    }
  }
  for (const [key, change] of Object.entries(d.keys)) {
    const why = allow.key(key, change);
    if (why) return `${change} key ${key}: ${why}`;
  }
  return must();
}

/** Only these columns differ between the two rows. */
const onlyColumns = (c: RowChange, cols: string[]): string | null => {
  if (!c.before || !c.after) return 'added or removed';
  for (const k of Object.keys(c.after)) {
    if (!cols.includes(k) && !eq(c.before[k], c.after[k])) return `${k} changed`;
  }
  return null;
};

export function renamed(who: string, name: string): Effect {
  return (before, after) => {
    const d = diff(before, after);
    const pid = String(idOf(before, who));
    return only(
      d,
      {
        tables: {
          persons: (id, c) =>
            id !== pid ? 'another person' : (onlyColumns(c, ['name', 'name_key']) ?? null),
        },
        key: () => 'a rename stores no key',
      },
      () => (d.tables.persons?.[pid]?.after?.name === name ? null : 'the name is not the new one'),
    );
  };
}

export function deleted(who: string): Effect {
  return (before, after) => {
    const d = diff(before, after);
    const pid = idOf(before, who);
    const of = (t: string) =>
      new Set(
        rowsOf(before.tables, t)
          .filter((r) => r.person_id === pid)
          .map((r) => String(r.id)),
      );
    const [samples, sightings, negatives] = ['samples', 'sightings', 'negatives'].map(of);
    const gone = (set: Set<string>) => (id: string, c: RowChange) =>
      set.has(id) && !c.after ? null : 'not one of theirs, or not removed';
    return only(
      d,
      {
        tables: {
          persons: (id, c) => (id === String(pid) && !c.after ? null : 'another person'),
          samples: gone(samples!),
          sightings: gone(sightings!),
          negatives: gone(negatives!),
          // A labelled face of one of their samples goes with it (or, before visitors, lost its sample).
          unlabeled: (_, c) =>
            samples!.has(String(c.before?.sample_id)) &&
            (!c.after || !onlyColumns(c, ['sample_id']))
              ? !c.after || c.after.sample_id === null
                ? null
                : 'sample_id kept'
              : 'not a face of a sample of theirs',
        },
        key: (key, change) =>
          change === 'removed' &&
          (embKeyOf(key) === String(pid) ||
            samples!.has(key.replace(/^crop\//, '')) ||
            negatives!.has(key.replace(/^neg\//, '')))
            ? null
            : 'not one of theirs',
      },
      () => {
        const removed = (t: string) => Object.keys(d.tables[t] ?? {}).length;
        if (removed('samples') !== samples!.size) return 'some samples of theirs are left';
        if (removed('sightings') !== sightings!.size) return 'some sightings of theirs are left';
        if (removed('negatives') !== negatives!.size) return 'some negatives of theirs are left';
        return d.tables.persons?.[String(pid)] ? null : 'the person is still there';
      },
    );
  };
}

export function merged(who: string, into: string): Effect {
  return (before, after) => {
    const d = diff(before, after);
    const [from, to] = [idOf(before, who), idOf(before, into)];
    const moved = (t: string) => {
      const theirs = new Set(
        rowsOf(before.tables, t)
          .filter((r) => r.person_id === from)
          .map((r) => String(r.id)),
      );
      const rule = (id: string, c: RowChange) =>
        theirs.has(id) && c.after?.person_id === to
          ? onlyColumns(c, ['person_id'])
          : 'not one of theirs moved to the other person';
      return { theirs, rule };
    };
    const [samples, sightings, negatives] = ['samples', 'sightings', 'negatives'].map(moved);
    return only(
      d,
      {
        tables: {
          persons: (id, c) =>
            id === String(from) && !c.after
              ? null
              : id === String(to)
                ? onlyColumns(c, ['first_seen', 'last_seen', 'visit_count'])
                : 'another person',
          samples: samples!.rule,
          sightings: sightings!.rule,
          negatives: negatives!.rule,
        },
        key: (key, change) =>
          embKeyOf(key) === String(from) && change === 'removed'
            ? null
            : embKeyOf(key) === String(to) && change !== 'removed'
              ? null
              : 'not their embeddings',
      },
      () => {
        for (const [t, m] of Object.entries({ samples, sightings, negatives })) {
          if (Object.keys(d.tables[t] ?? {}).length !== m!.theirs.size) return `${t} left behind`;
        }
        return d.tables.persons?.[String(from)] ? null : 'the person merged is still there';
      },
    );
  };
}

export function pictureRemoved(who: string): Effect {
  return (before, after) => {
    const d = diff(before, after);
    const pid = idOf(before, who);
    const gone = Object.entries(d.tables.samples ?? {});
    if (gone.length !== 1) return `${gone.length} samples changed, not one`;
    const [sid, c] = gone[0]!;
    if (c.after || c.before?.person_id !== pid)
      return `sample ${sid} is not one of theirs, removed`;
    return only(
      d,
      {
        tables: {
          samples: () => null,
          unlabeled: (_, u) =>
            String(u.before?.sample_id) === sid && u.after?.sample_id === null
              ? onlyColumns(u, ['sample_id'])
              : 'not the face of that sample',
        },
        key: (key, change) =>
          key === `crop/${sid}` && change === 'removed'
            ? null
            : embKeyOf(key) === String(pid) && change !== 'added'
              ? null
              : 'not that sample',
      },
      () => (c.before?.has_crop && d.keys[`crop/${sid}`] !== 'removed' ? 'its crop is left' : null),
    );
  };
}

export function labelled(name: string): Effect {
  return (before, after) => {
    const d = diff(before, after);
    const known = idOf(before, name);
    const added = Object.entries(d.tables.persons ?? {});
    const pid = known ?? (added[0]?.[1].after?.id as number | undefined);
    const samples = Object.entries(d.tables.samples ?? {});
    const faces = Object.entries(d.tables.unlabeled ?? {});
    const newSamples = new Map(samples.map(([id, c]) => [id, c.after]));
    return only(
      d,
      {
        tables: {
          persons: (id, c) =>
            id !== String(pid)
              ? 'another person'
              : known === undefined
                ? !c.before && c.after?.name === name
                  ? null
                  : 'not the new person'
                : onlyColumns(c, ['first_seen', 'last_seen', 'visit_count']),
          samples: (_, c) =>
            !c.before && c.after?.person_id === pid && c.after?.source === 'label'
              ? null
              : 'not a new sample of theirs',
          unlabeled: (_, c) =>
            c.before?.reviewed === 0 &&
            c.after?.reviewed === 1 &&
            newSamples.has(String(c.after.sample_id)) &&
            c.after.visitor_id === null
              ? onlyColumns(c, ['reviewed', 'sample_id', 'visitor_id'])
              : 'not a waiting face labelled into a new sample',
          // The faces' visitor becomes the person: its row goes, its visits are theirs.
          visitors: (_, c) => (c.before && !c.after ? null : 'not a visitor named'),
          sightings: (_, c) =>
            c.before?.visitor_id != null &&
            c.after?.person_id === pid &&
            c.after?.visitor_id === null
              ? onlyColumns(c, ['person_id', 'visitor_id'])
              : 'not a visit of the named visitor',
        },
        key: (key, change) => {
          const face = /^(?:unl|crop\/unl)\/(\d+)$/.exec(key)?.[1];
          if (face)
            return change === 'removed' && d.tables.unlabeled?.[face] ? null : 'not labelled';
          const sid = /^crop\/(\d+)$/.exec(key)?.[1];
          if (sid)
            return change === 'added' && newSamples.get(sid)?.has_crop ? null : 'no new crop';
          return embKeyOf(key) === String(pid) && change !== 'removed' ? null : 'not theirs';
        },
      },
      () => {
        if (!samples.length || samples.length !== faces.length) return 'samples ≠ faces labelled';
        for (const [id, c] of faces) {
          const sid = String(c.after?.sample_id);
          const crop = before.keys[`crop/unl/${id}`];
          // The waiting face's crop becomes the sample's, byte for byte.
          if (crop && after.keys[`crop/${sid}`] !== crop) return `face ${id}: crop not moved`;
          if (!(`unl/${id}` in d.keys)) return `face ${id}: embedding left in the queue`;
        }
        return null;
      },
    );
  };
}
