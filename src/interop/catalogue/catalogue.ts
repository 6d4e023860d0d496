/**
 * A catalogue: the lock classes found in a set of C files, merged. A class declared
 * with two different types (two subsystems reusing `&ctx->lock`, or `#ifdef` branches
 * that disagree) is a conflict: reported with every site and left out of the table,
 * because a what-if answer built on a guessed type would be a guess too.
 */
import * as fs from 'fs';
import * as path from 'path';
import { scanSource, typeKey, type CatalogueSite, type CatalogueType, type Wrappers } from './scan';

export interface CatalogueConflict {
  readonly name: string;
  /** what disagrees, in words */
  readonly why: string;
  /** `file:line type via` for every site involved */
  readonly sites: readonly string[];
}

export interface Catalogue {
  readonly files: number;
  /** class name → type (a primitive, or a lockdep_map's wait types), sorted by name */
  readonly classes: ReadonlyMap<string, CatalogueType>;
  /** class name → every `file:line` it was declared at */
  readonly sources: ReadonlyMap<string, readonly string[]>;
  readonly conflicts: readonly CatalogueConflict[];
}

/** The class-table document `--classes` reads (docs/whatif.md), with provenance. */
export interface CatalogueJson {
  readonly classes: Record<string, CatalogueType>;
  readonly sources: Record<string, readonly string[]>;
  readonly conflicts: readonly CatalogueConflict[];
}

function at(s: CatalogueSite): string {
  return `${s.file}:${s.line}`;
}

/** Collects sites file by file; only the merged result is kept, never a file's text. */
export class CatalogueBuilder {
  private readonly byName = new Map<string, CatalogueSite[]>();
  private readonly memberConflicts: CatalogueConflict[] = [];
  /** init wrappers learned so far, used by the files scanned after (scan.ts) */
  private readonly wrappers: Wrappers = new Map();
  private fileCount = 0;

  /** Scan one file's text; `file` is the name sources will show. */
  addSource(text: string, file: string): number {
    this.fileCount++;
    const r = scanSource(text, file, this.wrappers);
    for (const s of r.sites) {
      const list = this.byName.get(s.name);
      if (list) {
        // the same declaration seen twice (an #ifdef/#else pair) is one site per line
        if (!list.some((o) => o.file === s.file && o.line === s.line)) list.push(s);
      } else this.byName.set(s.name, [s]);
    }
    for (const c of r.conflicts)
      this.memberConflicts.push({
        name: c.site.name,
        why: `${c.site.via}() makes it a ${typeKey(c.site.type)}, but ${c.member} is declared as ${c.declared} at ${c.site.file}:${c.declaredAt}`,
        sites: [`${at(c.site)} ${typeKey(c.site.type)} ${c.site.via}`],
      });
    return r.sites.length;
  }

  get files(): number {
    return this.fileCount;
  }

  get size(): number {
    return this.byName.size;
  }

  result(): Catalogue {
    const conflicted = new Set(this.memberConflicts.map((c) => c.name));
    const conflicts = [...this.memberConflicts];
    const classes = new Map<string, CatalogueType>();
    const sources = new Map<string, string[]>();
    const names = [...this.byName.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const name of names) {
      const sites = this.byName.get(name)!;
      const types = [...new Set(sites.map((s) => typeKey(s.type)))];
      if (types.length > 1) {
        conflicts.push({
          name,
          why: `declared as ${types.join(' and ')}`,
          sites: sites.map((s) => `${at(s)} ${typeKey(s.type)} ${s.via}`),
        });
        continue;
      }
      if (conflicted.has(name)) continue;
      classes.set(name, sites[0].type);
      sources.set(name, sites.map(at));
    }
    conflicts.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { files: this.fileCount, classes, sources, conflicts };
  }
}

export function catalogueToJson(c: Catalogue): CatalogueJson {
  return {
    classes: Object.fromEntries(c.classes),
    sources: Object.fromEntries(c.sources),
    conflicts: c.conflicts,
  };
}

/** C sources and headers. */
function isSource(name: string): boolean {
  return name.endsWith('.c') || name.endsWith('.h');
}

/** Files larger than this are not C a kernel developer wrote (generated tables, firmware). */
const MAX_SOURCE_BYTES = 16 * 1024 * 1024;

export interface WalkOptions {
  /** called after each file with the counts so far */
  readonly onFile?: (files: number, classes: number) => void;
  /** a path that could not be read: reported, the walk goes on */
  readonly onSkip?: (file: string, why: string) => void;
}

/**
 * Scan files and directories (recursively, in name order, symlinks not followed; headers
 * before the other files) one file at a time, so memory stays bounded by the largest
 * file, the list of paths and the catalogue itself.
 * Sources are named relative to the directory given (a file given directly: as given).
 */
export async function scanPaths(
  paths: readonly string[],
  options: WalkOptions = {},
): Promise<Catalogue> {
  const b = new CatalogueBuilder();
  const file = async (full: string, shown: string) => {
    let text: string;
    try {
      const st = await fs.promises.stat(full);
      if (st.size > MAX_SOURCE_BYTES) {
        options.onSkip?.(shown, `larger than ${MAX_SOURCE_BYTES} bytes`);
        return;
      }
      text = await fs.promises.readFile(full, 'utf8');
    } catch (e) {
      options.onSkip?.(shown, (e as Error).message);
      return;
    }
    b.addSource(text, shown);
    options.onFile?.(b.files, b.size);
  };
  // headers first, so that an init wrapper a header defines is known where it is used
  const headers: [string, string][] = [];
  const sources: [string, string][] = [];
  const dir = async (full: string, rel: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(full, { withFileTypes: true });
    } catch (e) {
      options.onSkip?.(rel || full, (e as Error).message);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (e.name === '.git') continue;
        await dir(path.join(full, e.name), childRel);
      } else if (e.isFile() && isSource(e.name))
        (e.name.endsWith('.h') ? headers : sources).push([path.join(full, e.name), childRel]);
    }
  };
  for (const p of paths) {
    const st = await fs.promises.lstat(p);
    if (st.isDirectory()) await dir(p, '');
    else (p.endsWith('.h') ? headers : sources).push([p, p]);
  }
  for (const [full, shown] of [...headers, ...sources]) await file(full, shown);
  return b.result();
}
