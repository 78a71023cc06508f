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

/** Returns the object it is given, so a subclass's private field is installed on that object. */
class Stamp {
  constructor(o: object) {
    return o;
  }
}

/**
 * The index of an object's newest location entry, kept in a private field installed on the model
 * object itself (a base constructor that returns its argument). A private field is invisible to
 * JSON, YAML, Object.keys, spread and deep equality, and costs what an ordinary property does;
 * Object.defineProperty of a hidden symbol cost about three times as much per object.
 */
class Located extends Stamp {
  #head: number;

  private constructor(o: object, head: number) {
    super(o);
    this.#head = head;
  }

  /** The newest entry of `o`, or -1 when it has none. */
  static head(o: object): number {
    return #head in o ? (o as Located).#head : -1;
  }

  static setHead(o: object, head: number): void {
    if (#head in o) (o as Located).#head = head;
    else new Located(o, head);
  }
}

/** Field names are interned to small integers. */
const fieldIds = new Map<string, number>();
const fieldNames: string[] = [];
function fieldId(field: string): number {
  let id = fieldIds.get(field);
  if (id === undefined) {
    id = fieldNames.length;
    fieldIds.set(field, id);
    fieldNames.push(field);
  }
  return id;
}

const ENTRY = 5; // field, file, line, col, previous entry of the same object (-1: none)

/**
 * Where each field of a model object was written, so diagnostics after parsing (host checks,
 * keepalived's "clearing" fixes) can name file, line and column while the model stays plain data.
 * All locations live in one growable Int32Array; each object carries only the index of its newest
 * entry (a private field, see Located), and its entries are chained backwards. A configuration of 100,000 real servers records about 1.5 million
 * locations in ~30 MB that the garbage collector never has to scan.
 */
export class LocationTable {
  private readonly files: string[] = [];
  private readonly fileIds = new Map<string, number>();
  private log = new Int32Array(4096 * ENTRY);
  private used = 0;
  /** The file of the previous entry and its id: most entries come from the file just read. */
  private lastFile: string | undefined = undefined;
  private lastFileId = 0;

  private fileId(file: string): number {
    let id = this.fileIds.get(file);
    if (id === undefined) {
      id = this.files.length;
      this.fileIds.set(file, id);
      this.files.push(file);
    }
    return id;
  }

  private find(head: number, f: number): number {
    for (let i = head; i >= 0; i = this.log[i + 4] as number) if (this.log[i] === f) return i;
    return -1;
  }

  set(obj: object, field: string, loc: SourceLoc): void {
    const f = fieldId(field);
    const head = Located.head(obj);
    if (head >= 0 && this.find(head, f) >= 0) return; // first write wins
    if (this.used + ENTRY > this.log.length) {
      const bigger = new Int32Array(this.log.length * 2);
      bigger.set(this.log);
      this.log = bigger;
    }
    const i = this.used;
    this.used += ENTRY;
    const log = this.log;
    log[i] = f;
    const file = loc.file;
    if (file !== this.lastFile) {
      this.lastFileId = this.fileId(file);
      this.lastFile = file;
    }
    log[i + 1] = this.lastFileId;
    log[i + 2] = loc.line;
    log[i + 3] = loc.col;
    log[i + 4] = head;
    Located.setHead(obj, i);
  }

  /** The field's location, else the object's own (field ''), else undefined. */
  get(obj: object, field = ''): SourceLoc | undefined {
    const head = Located.head(obj);
    if (head < 0) return undefined;
    const want = fieldIds.get(field);
    let at = want === undefined ? -1 : this.find(head, want);
    if (at < 0) {
      const own = fieldIds.get('');
      at = own === undefined ? -1 : this.find(head, own);
    }
    if (at < 0) return undefined;
    return { file: this.files[this.log[at + 1] as number] as string, line: this.log[at + 2] as number, col: this.log[at + 3] as number };
  }
}
