import { describe, expect, test } from 'vitest';
import { findImages } from './images.ts';

describe('findImages', () => {
  test('stored images by their host URL, data URLs and base64 image fields; never another host', () => {
    const output = {
      images: [{ url: '/v1/blobs/1?sig=x', contentType: 'image/png', width: 2, height: 2 }],
      elsewhere: { url: 'https://example.com/a.png', contentType: 'image/png' },
      protocolRelative: { url: '//example.com/a.png', contentType: 'image/png' },
      preview: 'data:image/png;base64,AAAA',
      raw: 'AAAA',
      text: 'hello',
    };
    const schema = { properties: { raw: { type: 'string', contentEncoding: 'base64', contentMediaType: 'image/png' } } };
    expect(findImages(output, schema).map((f) => f.src)).toEqual(['/v1/blobs/1?sig=x', 'data:image/png;base64,AAAA', 'data:image/png;base64,AAAA']);
  });
});
