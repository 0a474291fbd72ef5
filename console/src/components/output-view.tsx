/**
 * An execution's output: images shown as images (a stored image's URL, or base64 bytes the
 * output schema marks as an image), the rest as JSON.
 */
import { findImages } from '../lib/images.ts';

/** Long base64 strings shortened, so the JSON stays readable. */
function readable(value: unknown): unknown {
  if (typeof value === 'string') return value.length > 200 && /^[A-Za-z0-9+/=:;,.-]+$/.test(value.slice(0, 200)) ? `${value.slice(0, 60)}… (${value.length} characters)` : value;
  if (Array.isArray(value)) return value.map(readable);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, readable(v)]));
  return value;
}

export function OutputView({ output, schema }: { output: unknown; schema?: any }) {
  const images = findImages(output, schema);
  return (
    <div class="output" data-section="output">
      {images.length > 0 && (
        <div class="images">
          {images.map((img) => (
            <figure>
              <img src={img.src} alt={`output image ${img.label}`} data-output-image />
              <figcaption>{img.label}</figcaption>
            </figure>
          ))}
        </div>
      )}
      <pre class="json">{JSON.stringify(readable(output), null, 2)}</pre>
    </div>
  );
}
