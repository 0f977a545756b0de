/**
 * A small, safe interpreter for Python's pickle format (protocols 2–5), enough for what
 * `torch.save` writes. It never evaluates anything: every GLOBAL goes through the
 * caller's `findGlobal`, which returns a whitelisted stand-in or throws.
 *
 * Python values map to: None → null, bool → boolean, int → number (bigint beyond 2^53),
 * float → number, str → string, bytes → Uint8Array, list and tuple → Array,
 * dict → Map. Callables returned by `findGlobal` must be `PyCallable`s.
 */
import { TransferError } from './errors';

/** A whitelisted Python callable (function or class) as the pickle sees it. */
interface PyCallable {
  readonly pyName: string;
  call(args: unknown[]): unknown;
}

/** An object built by a PyCallable that accepts BUILD (`__setstate__`). */
interface PyStateful {
  setState(state: unknown): void;
}

export interface PickleHooks {
  /** Resolves `module.name`; must throw for anything not explicitly allowed. */
  findGlobal(module: string, name: string): unknown;
  /** Resolves a persistent id (torch uses it for tensor storages). */
  persistentLoad?(pid: unknown): unknown;
}

export function pyCallable(pyName: string, call: (args: unknown[]) => unknown): PyCallable {
  return { pyName, call };
}

export function isPyCallable(value: unknown): value is PyCallable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as PyCallable).call === 'function' &&
    typeof (value as PyCallable).pyName === 'string'
  );
}

class Reader {
  pos: number;
  private readonly view: DataView;
  private readonly text = new TextDecoder('utf-8', { fatal: true });
  constructor(
    readonly bytes: Uint8Array,
    start: number,
  ) {
    this.pos = start;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): number {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw new TransferError('pt-truncated', 'The pickle ends in the middle of a value.');
    }
    const at = this.pos;
    this.pos += n;
    return at;
  }
  u8(): number {
    return this.bytes[this.need(1)]!;
  }
  u16(): number {
    return this.view.getUint16(this.need(2), true);
  }
  i32(): number {
    return this.view.getInt32(this.need(4), true);
  }
  u32(): number {
    return this.view.getUint32(this.need(4), true);
  }
  u64(): number {
    const at = this.need(8);
    const value = this.view.getBigUint64(at, true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new TransferError('pt-corrupt', 'A pickle length field is impossibly large.');
    }
    return Number(value);
  }
  f64be(): number {
    return this.view.getFloat64(this.need(8), false);
  }
  raw(n: number): Uint8Array {
    const at = this.need(n);
    return this.bytes.slice(at, at + n);
  }
  utf8(n: number): string {
    const at = this.need(n);
    try {
      return this.text.decode(this.bytes.subarray(at, at + n));
    } catch (cause) {
      throw new TransferError('pt-corrupt', 'A pickle string is not valid UTF-8.', { cause });
    }
  }
  latin1(n: number): string {
    const at = this.need(n);
    let s = '';
    for (let i = at; i < at + n; i++) s += String.fromCharCode(this.bytes[i]!);
    return s;
  }
  line(): string {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) throw new TransferError('pt-truncated', 'The pickle ends inside a text field.');
    const s = this.latin1(end - this.pos);
    this.pos += 1;
    return s;
  }
}

/** Little-endian two's-complement integer of LONG1/LONG4. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) value -= 1n << BigInt(8 * bytes.length);
  const small =
    value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
  return small ? Number(value) : value;
}

function corrupt(message: string): TransferError {
  return new TransferError('pt-corrupt', message);
}

/**
 * Runs one pickle starting at `start`; returns its value and the offset after STOP
 * (the pre-1.6 torch format is several pickles back to back).
 */
export function unpickle(
  bytes: Uint8Array,
  hooks: PickleHooks,
  start = 0,
): { value: unknown; end: number } {
  const r = new Reader(bytes, start);
  let stack: unknown[] = [];
  const marks: unknown[][] = [];
  const memo = new Map<number, unknown>();

  const pop = (): unknown => {
    if (stack.length === 0) throw corrupt('The pickle pops from an empty stack.');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) throw corrupt('The pickle reads an empty stack.');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const outer = marks.pop();
    if (!outer) throw corrupt('The pickle closes a MARK it never opened.');
    stack = outer;
    return items;
  };
  const memoGet = (key: number): unknown => {
    if (!memo.has(key)) throw corrupt(`The pickle reads memo slot ${key}, never written.`);
    return memo.get(key);
  };
  const call = (fn: unknown, args: unknown): unknown => {
    if (!isPyCallable(fn)) throw corrupt('The pickle calls something that is not callable.');
    if (!Array.isArray(args))
      throw corrupt('The pickle calls with arguments that are not a tuple.');
    return fn.call(args);
  };
  const asMap = (value: unknown): Map<unknown, unknown> => {
    if (!(value instanceof Map)) throw corrupt('The pickle sets items on something not a dict.');
    return value;
  };
  const asList = (value: unknown): unknown[] => {
    if (!Array.isArray(value)) throw corrupt('The pickle appends to something not a list.');
    return value;
  };
  const setItems = (target: Map<unknown, unknown>, items: unknown[]): void => {
    if (items.length % 2 !== 0) throw corrupt('The pickle gives a dict an odd item count.');
    for (let i = 0; i < items.length; i += 2) target.set(items[i], items[i + 1]);
  };

  for (;;) {
    const op = r.u8();
    switch (op) {
      case 0x80: // PROTO
        if (r.u8() > 5) throw corrupt('The pickle uses a protocol newer than 5.');
        break;
      case 0x95: // FRAME: a length hint only
        r.u64();
        break;
      case 0x2e: // STOP
        return { value: pop(), end: r.pos };
      case 0x28: // MARK
        marks.push(stack);
        stack = [];
        break;
      case 0x30: // POP
        if (stack.length > 0) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(r.i32());
        break;
      case 0x4b: // BININT1
        stack.push(r.u8());
        break;
      case 0x4d: // BININT2
        stack.push(r.u16());
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(r.raw(r.u8())));
        break;
      case 0x8b: // LONG4
        stack.push(decodeLong(r.raw(r.u32())));
        break;
      case 0x47: // BINFLOAT
        stack.push(r.f64be());
        break;
      case 0x58: // BINUNICODE
        stack.push(r.utf8(r.u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(r.utf8(r.u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(r.utf8(r.u64()));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(r.latin1(r.i32()));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(r.latin1(r.u8()));
        break;
      case 0x42: // BINBYTES
        stack.push(r.raw(r.u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(r.raw(r.u8()));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(r.raw(r.u64()));
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push([]);
        break;
      case 0x74: // TUPLE
        {
          const items = popMark(); // before `stack.` is read: popMark replaces `stack`
          stack.push(items);
        }
        break;
      case 0x85: // TUPLE1
        stack.push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push([pop(), b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push([pop(), b, c]);
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        {
          const items = popMark(); // before `stack.` is read: popMark replaces `stack`
          stack.push(items);
        }
        break;
      case 0x61: {
        // APPEND
        const item = pop();
        asList(top()).push(item);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        asList(top()).push(...items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new Map());
        break;
      case 0x64: {
        // DICT
        const map = new Map<unknown, unknown>();
        setItems(map, popMark());
        stack.push(map);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        asMap(top()).set(key, value);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(asMap(top()), items);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const set = top();
        if (!(set instanceof Set)) throw corrupt('The pickle adds items to something not a set.');
        for (const item of items) set.add(item);
        break;
      }
      case 0x91: // FROZENSET
        {
          const items = popMark(); // before `stack.` is read: popMark replaces `stack`
          stack.push(new Set(items));
        }
        break;
      case 0x63: {
        // GLOBAL
        const module = r.line();
        stack.push(hooks.findGlobal(module, r.line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') {
          throw corrupt('The pickle names a global with something not a string.');
        }
        stack.push(hooks.findGlobal(module, name));
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!hooks.persistentLoad) throw corrupt('The pickle refers to external data.');
        stack.push(hooks.persistentLoad(pid));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        stack.push(call(pop(), args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX: keyword arguments are not used by anything we accept
        const kwargs = pop();
        const args = pop();
        if (kwargs instanceof Map && kwargs.size > 0) {
          throw corrupt('The pickle constructs an object with keyword arguments.');
        }
        stack.push(call(pop(), args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const target = top();
        if (target instanceof Map && state instanceof Map) {
          for (const [k, v] of state) target.set(k, v);
        } else if (
          typeof target === 'object' &&
          target !== null &&
          typeof (target as PyStateful).setState === 'function'
        ) {
          (target as PyStateful).setState(state);
        } else if (state !== null) {
          throw corrupt('The pickle sets the state of an object that takes none.');
        }
        break;
      }
      case 0x71: // BINPUT
        memo.set(r.u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(r.u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
        stack.push(memoGet(r.u8()));
        break;
      case 0x6a: // LONG_BINGET
        stack.push(memoGet(r.u32()));
        break;
      default:
        throw corrupt(
          `The pickle uses opcode 0x${op.toString(16).padStart(2, '0')} at byte ${r.pos - 1}, ` +
            'which this reader does not support.',
        );
    }
  }
}
