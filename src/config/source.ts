// Config layer (pure): source positions and tokens shared by the keepalived.conf and YAML readers.

export interface SourceLoc {
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  col: number;
}

export interface Token {
  text: string;
  loc: SourceLoc;
  /** Written in double quotes: never a brace or a keyword, may contain spaces. */
  quoted: boolean;
}

export function fmtLoc(loc: SourceLoc | undefined): string {
  return loc ? `${loc.file}:${loc.line}:${loc.col}` : '<config>';
}

/**
 * Where each field of a model object was written. Keyed by object identity so the model stays
 * plain data (what YAML and JSON print) while diagnostics after parsing (host checks, keepalived's
 * "clearing" fixes) can still name file, line and column.
 */
export class LocationTable {
  private readonly map = new WeakMap<object, Map<string, SourceLoc>>();

  set(obj: object, field: string, loc: SourceLoc): void {
    let m = this.map.get(obj);
    if (!m) this.map.set(obj, (m = new Map()));
    if (!m.has(field)) m.set(field, loc);
  }

  /** The field's location, else the object's own (field ''), else undefined. */
  get(obj: object, field = ''): SourceLoc | undefined {
    const m = this.map.get(obj);
    return m?.get(field) ?? m?.get('');
  }
}
