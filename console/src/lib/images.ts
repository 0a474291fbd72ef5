/** Where an execution's output holds images the page can show. */
export interface Found {
  src: string;
  label: string;
}

/** Images in an output: objects with an image contentType and a host URL, data: URLs, base64 image fields. */
export function findImages(value: unknown, schema?: any, path = ''): Found[] {
  const out: Found[] = [];
  if (typeof value === 'string') {
    if (/^data:image\/(png|jpeg|gif|webp);base64,/.test(value)) out.push({ src: value, label: path });
    else if (schema?.contentEncoding === 'base64' && typeof schema?.contentMediaType === 'string' && /^image\/(png|jpeg|gif|webp)$/.test(schema.contentMediaType) && /^[A-Za-z0-9+/=]+$/.test(value)) {
      out.push({ src: `data:${schema.contentMediaType};base64,${value}`, label: path });
    }
    return out;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...findImages(v, schema?.items, `${path}/${i}`)));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    // Only this host's own URLs: an output is plugin data, and the page reaches nothing else.
    if (typeof o.url === 'string' && o.url.startsWith('/') && !o.url.startsWith('//') && typeof o.contentType === 'string' && o.contentType.startsWith('image/')) {
      out.push({ src: o.url, label: `${path || 'image'}${typeof o.width === 'number' ? ` (${o.width}×${o.height})` : ''}` });
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'url') out.push(...findImages(v, schema?.properties?.[k], `${path}/${k}`));
  }
  return out;
}

