import type { ASN1Obj } from '@sigstore/core';
import { verifyLibraries } from './libraries.js';

/**
 * Small helpers over sigstore's DER reader for the CMS and X.509 structures a timestamp token
 * holds. Every helper throws on a shape it does not expect; callers turn that into a refusal.
 */
export type DerNode = ASN1Obj;

export const SEQUENCE = 0x30;
export const SET = 0x31;

export class DerShapeError extends Error {}

/** Parses one DER value that must fill the buffer exactly (no trailing bytes). */
export function parseDer(bytes: Uint8Array): DerNode {
  const buffer = Buffer.from(bytes);
  const node = verifyLibraries().core.ASN1Obj.parseBuffer(buffer);
  if (encodedLength(node) !== buffer.length) throw new DerShapeError('trailing bytes after the DER value');
  return node;
}

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const out: number[] = [];
  for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) out.unshift(rest % 256);
  return Buffer.from([0x80 | out.length, ...out]);
}

function encodedLength(node: DerNode): number {
  return 1 + lengthBytes(node.value.length).length + node.value.length;
}

/**
 * The value's DER bytes, tag first; `tag` replaces the tag byte (a `[0] IMPLICIT SET` is signed
 * as a SET). The content bytes are the ones read, never re-encoded, so a signature over them holds.
 */
export function derOf(node: DerNode, tag: number = node.tag.toDER()): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(node.value.length), node.value]);
}

/** The children of a constructed value, with the count bounded. */
export function children(node: DerNode, min: number, max: number): DerNode[] {
  if (!node.tag.constructed) throw new DerShapeError('expected a constructed value');
  if (node.subs.length < min || node.subs.length > max) throw new DerShapeError('unexpected number of elements');
  return node.subs;
}

export function child(node: DerNode, index: number): DerNode {
  const found = node.subs[index];
  if (!found) throw new DerShapeError('missing element');
  return found;
}

export function expectTag(node: DerNode, tag: number): DerNode {
  if (node.tag.toDER() !== tag) throw new DerShapeError(`expected tag ${tag.toString(16)}`);
  return node;
}

/** A context-specific `[n]` tag, constructed or not. */
export function isContext(node: DerNode, number: number): boolean {
  return node.tag.isContextSpecific(number);
}

export function oidOf(node: DerNode): string {
  if (node.value.length > 64) throw new DerShapeError('object identifier too long');
  return node.toOID();
}

/** A small non-negative INTEGER, tagged or implicitly tagged. */
export function smallInteger(node: DerNode): number {
  if (node.value.length === 0 || node.value.length > 6 || (node.value[0]! & 0x80) !== 0) throw new DerShapeError('integer out of range');
  return node.value.reduce((n, byte) => n * 256 + byte, 0);
}

/** A GeneralizedTime (`YYYYMMDDhhmmss[.f+]Z`), with its fraction to the millisecond. */
export function generalizedTime(node: DerNode): Date {
  if (!node.tag.isGeneralizedTime() || node.value.length > 32) throw new DerShapeError('expected a GeneralizedTime');
  const match = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,9}))?Z$/.exec(node.value.toString('ascii'));
  if (!match) throw new DerShapeError('malformed GeneralizedTime');
  const [, year, month, day, hour, minute, second, fraction] = match;
  const millis = fraction ? Number(fraction.padEnd(3, '0').slice(0, 3)) : 0;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}.${String(millis).padStart(3, '0')}Z`);
  if (Number.isNaN(date.getTime())) throw new DerShapeError('invalid GeneralizedTime');
  return date;
}
