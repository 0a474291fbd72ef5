/** Client addresses as the password limit and token address lists see them. */
import { expect, it } from 'vitest';
import { addressAllowed, addressSubject, parseCidr } from '../../registry/src/auth/client-address.ts';

it('counts IPv4 by address, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
  expect(addressSubject('203.0.113.7')).toBe('203.0.113.7');
  expect(addressSubject('::ffff:203.0.113.7')).toBe('203.0.113.7');
  expect(addressSubject('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
  expect(addressSubject('2001:0DB8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
  expect(addressSubject('2001:db8::1')).toBe('2001:db8:0:0::/64');
  expect(addressSubject('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  expect(addressSubject('::1')).toBe('0:0:0:0::/64');
  expect(addressSubject('64:ff9b::203.0.113.7')).toBe('64:ff9b:0:0::/64');
});

it('checks addresses against CIDR lists, IPv4 and IPv6', () => {
  expect(parseCidr('10.0.0.0/8')).toEqual(['10.0.0.0', 8, 'ipv4']);
  expect(parseCidr('2001:db8::/32')).toEqual(['2001:db8::', 32, 'ipv6']);
  for (const bad of ['10.0.0.0/33', '10.0.0.0', 'x/8', '2001:db8::/129', '10.0.0.0/8/8']) expect(parseCidr(bad)).toBeUndefined();
  expect(addressAllowed('10.1.2.3', ['10.0.0.0/8'])).toBe(true);
  expect(addressAllowed('::ffff:10.1.2.3', ['10.0.0.0/8'])).toBe(true);
  expect(addressAllowed('11.1.2.3', ['10.0.0.0/8'])).toBe(false);
  expect(addressAllowed('2001:db8:5::1', ['10.0.0.0/8', '2001:db8::/32'])).toBe(true);
  expect(addressAllowed('2001:db9::1', ['2001:db8::/32'])).toBe(false);
});
