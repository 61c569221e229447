import type { ICompare, IKeyValue, IRequestOp, IResponseOp } from 'etcd3';
import type { Compare, KeyValue, TxnOp, TxnOpResult } from './backend.js';

/**
 * Translation between the {@link CoordinatorBackend} shapes and etcd's protobuf messages, as
 * the `etcd3` client's raw RPC stubs take and return them (bytes as Buffers, 64-bit integers as
 * decimal strings, enums by name). Every key gets the backend's prefix on the way in and loses
 * it on the way out, so the recipes never see it.
 */
export class EtcdKeySpace {
  readonly prefix: Buffer;

  /** @param prefix the namespace of every key, e.g. `/lockstep/` */
  constructor(prefix: string) {
    this.prefix = Buffer.from(prefix, 'utf8');
  }

  /** The full etcd key of a coordinator key. */
  key(key: string): Buffer {
    return Buffer.concat([this.prefix, Buffer.from(key, 'utf8')]);
  }

  /** `[key, range_end]` covering every key that starts with `key` (etcd's `--prefix`). */
  prefixRange(key: string): { key: Buffer; range_end: Buffer } {
    const start = this.key(key);
    return { key: start, range_end: prefixEnd(start) };
  }

  /** A coordinator key from an etcd key of this namespace. */
  strip(key: Buffer): string {
    return key.subarray(this.prefix.length).toString('utf8');
  }

  /** A stored key-value from etcd's `mvccpb.KeyValue`. */
  keyValue(kv: IKeyValue): KeyValue {
    const out: KeyValue = {
      key: this.strip(kv.key),
      value: kv.value.toString('utf8'),
      createRevision: Number(kv.create_revision),
      modRevision: Number(kv.mod_revision),
      version: Number(kv.version),
    };
    if (kv.lease !== undefined && String(kv.lease) !== '0') out.lease = String(kv.lease);
    return out;
  }

  /** An etcd compare. A `value` compare on a missing key never holds in etcd (it does not read it as ''). */
  compare(c: Compare): ICompare {
    const result = ({ '==': 'Equal', '!=': 'NotEqual', '<': 'Less', '>': 'Greater' } as const)[c.op];
    const base = { key: this.key(c.key), result } as unknown as ICompare;
    const raw = base as unknown as Record<string, unknown>;
    switch (c.target) {
      case 'version':
        raw.target = 'Version';
        raw.version = String(c.value);
        break;
      case 'createRevision':
        raw.target = 'Create';
        raw.create_revision = String(c.value);
        break;
      case 'modRevision':
        raw.target = 'Mod';
        raw.mod_revision = String(c.value);
        break;
      case 'value':
        raw.target = 'Value';
        raw.value = Buffer.from(String(c.value), 'utf8');
        break;
      case 'lease':
        raw.target = 'Lease';
        raw.lease = String(c.value);
        break;
    }
    return base;
  }

  /** An etcd `RequestOp`. Puts ask for `prev_kv`, so a re-put still reports the key's original create revision. */
  op(op: TxnOp): IRequestOp {
    switch (op.type) {
      case 'put':
        return { request_put: { key: this.key(op.key), value: Buffer.from(op.value, 'utf8'), lease: op.lease ?? '0', prev_kv: true } } as IRequestOp;
      case 'delete':
        return { request_delete_range: op.prefix ? this.prefixRange(op.key) : { key: this.key(op.key) } } as IRequestOp;
      case 'range':
        return { request_range: this.rangeRequest(op.key, op.prefix ?? false, op.countOnly ?? false) } as IRequestOp;
    }
  }

  /** A `RangeRequest`, sorted by create revision, linearizable. */
  rangeRequest(key: string, prefix: boolean, countOnly: boolean): Record<string, unknown> {
    return {
      ...(prefix ? this.prefixRange(key) : { key: this.key(key) }),
      sort_order: 'Ascend',
      sort_target: 'Create',
      count_only: countOnly,
    };
  }

  /** The result of one op, from its `ResponseOp` and the transaction's revision. */
  opResult(op: TxnOp, response: IResponseOp | undefined, revision: number): TxnOpResult {
    const r = (response ?? {}) as Partial<IResponseOp>;
    switch (op.type) {
      case 'put': {
        const prev = r.response_put?.prev_kv;
        return { type: 'put', createRevision: prev ? Number(prev.create_revision) : revision };
      }
      case 'delete':
        return { type: 'delete', deleted: Number(r.response_delete_range?.deleted ?? 0) };
      case 'range': {
        const range = r.response_range;
        return { type: 'range', kvs: op.countOnly ? [] : (range?.kvs ?? []).map((kv) => this.keyValue(kv)), count: Number(range?.count ?? 0) };
      }
    }
  }
}

/** etcd's prefix end: the key with its last byte below 0xff incremented, and the rest dropped. */
function prefixEnd(key: Buffer): Buffer {
  const end = Buffer.from(key);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  // All 0xff (or empty): every key from here on.
  return Buffer.from([0]);
}
