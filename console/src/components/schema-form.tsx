/**
 * A form generated from a JSON Schema: an agent capability's or workflow's input, a plugin's
 * config. Each property gets the widget its schema calls for (a file input for byte fields),
 * and the host's problems are shown under the fields they name.
 */
import { useState } from 'preact/hooks';
import { alternatives, altIndexFor, altLabel, initialValue, isBytes, pointer, problemsByField, readAsDataUrl, setAt, typeOf, type Problem, type Schema } from '../lib/schema.ts';

interface FormProps {
  schema: Schema;
  value: any;
  onChange(value: any): void;
  problems?: Problem[];
  /** A prefix for element ids, so two forms on a page do not clash. */
  idPrefix: string;
}

/** The pointers of the fields the form shows, to place each problem on the nearest one. */
function fieldPointers(s: Schema, path: string[], out: Set<string>): Set<string> {
  out.add(pointer(path));
  if (typeOf(s) === 'object' && s.properties && !alternatives(s)) {
    for (const [k, sub] of Object.entries<Schema>(s.properties)) fieldPointers(sub, [...path, k], out);
  }
  return out;
}

/** Problems by the field that shows them: its own path or the nearest field above it. */
function place(problems: Problem[], fields: Set<string>): Map<string, string[]> {
  const byPath = problemsByField(problems);
  const out = new Map<string, string[]>();
  for (const [path, messages] of byPath) {
    let at = path;
    while (!fields.has(at) && at !== '/' && at !== '') at = at.slice(0, at.lastIndexOf('/')) || '/';
    const shown = at === path ? messages : messages.map((m) => `${path.slice(at === '/' ? 0 : at.length)} ${m}`);
    out.set(at === '' ? '/' : at, [...(out.get(at === '' ? '/' : at) ?? []), ...shown]);
  }
  return out;
}

export function SchemaForm({ schema, value, onChange, problems = [], idPrefix }: FormProps) {
  const placed = place(problems, fieldPointers(schema, [], new Set()));
  const top = placed.get('/') ?? [];
  return (
    <div class="schema-form">
      {top.length > 0 && (
        <ul class="field-errors form-errors" role="alert">
          {top.map((m) => (
            <li>{m}</li>
          ))}
        </ul>
      )}
      <Field schema={schema} path={[]} root={value} value={value} onRoot={onChange} placed={placed} idPrefix={idPrefix} required={false} name="" topLevel />
    </div>
  );
}

export { initialValue };

interface FieldProps {
  schema: Schema;
  path: string[];
  root: any;
  value: any;
  onRoot(value: any): void;
  placed: Map<string, string[]>;
  idPrefix: string;
  required: boolean;
  name: string;
  topLevel?: boolean;
}

function Errors({ messages, id }: { messages: string[] | undefined; id: string }) {
  if (!messages || messages.length === 0) return null;
  return (
    <ul class="field-errors" id={`${id}-errors`} role="alert">
      {messages.map((m) => (
        <li>{m}</li>
      ))}
    </ul>
  );
}

function Field(props: FieldProps) {
  const { schema, path, root, value, onRoot, placed, idPrefix, required, name, topLevel } = props;
  const ptr = pointer(path);
  const id = `${idPrefix}${path.length === 0 ? '-root' : `-${path.join('-')}`}`;
  const set = (v: unknown) => onRoot(setAt(root, path, v));
  const errors = placed.get(ptr);
  const alts = alternatives(schema);
  const type = typeOf(schema);

  if (type === 'object' && schema.properties && !alts) {
    const requiredSet = new Set<string>(Array.isArray(schema.required) ? schema.required : []);
    const fields = Object.entries<Schema>(schema.properties).map(([k, sub]) => (
      <Field {...props} schema={sub} path={[...path, k]} value={value?.[k]} required={requiredSet.has(k)} name={k} topLevel={false} />
    ));
    if (topLevel) return <div class="fields">{fields}</div>;
    return (
      <fieldset class="field" data-field={ptr}>
        <legend>
          {schema.title ?? name}
          {required && <span class="required" title="required">*</span>}
        </legend>
        {schema.description && <p class="help">{schema.description}</p>}
        <Errors messages={errors} id={id} />
        {fields}
      </fieldset>
    );
  }

  return (
    <div class={`field${errors ? ' has-error' : ''}`} data-field={ptr}>
      <label for={id}>
        {schema.title ?? name}
        {required && <span class="required" title="required">*</span>}
      </label>
      {schema.description && <p class="help">{schema.description}</p>}
      {alts ? <Alternatives {...props} alts={alts} id={id} /> : <Widget schema={schema} value={value} set={set} id={id} invalid={!!errors} />}
      <Errors messages={errors} id={id} />
    </div>
  );
}

function Alternatives(props: FieldProps & { alts: Schema[]; id: string }) {
  const { alts, value, id, path, root, onRoot } = props;
  const [chosen, setChosen] = useState(() => altIndexFor(alts, value));
  const set = (v: unknown) => onRoot(setAt(root, path, v));
  const alt = alts[chosen] ?? alts[0]!;
  return (
    <div class="alternatives">
      <select
        aria-label="kind of value"
        id={`${id}-kind`}
        value={String(chosen)}
        onChange={(e) => {
          setChosen(Number((e.target as HTMLSelectElement).value));
          set(undefined);
        }}
      >
        {alts.map((a, i) => (
          <option value={String(i)}>{altLabel(a)}</option>
        ))}
      </select>
      <Widget schema={{ ...alt, description: undefined }} value={value} set={set} id={id} invalid={false} />
    </div>
  );
}

interface WidgetProps {
  schema: Schema;
  value: any;
  set(value: unknown): void;
  id: string;
  invalid: boolean;
}

function Widget({ schema, value, set, id, invalid }: WidgetProps) {
  const type = typeOf(schema);
  const common = { id, 'aria-invalid': invalid ? 'true' : undefined } as const;
  if (Array.isArray(schema.enum)) {
    return (
      <select {...common} value={value === undefined ? '' : JSON.stringify(value)} onChange={(e) => {
        const v = (e.target as HTMLSelectElement).value;
        set(v === '' ? undefined : JSON.parse(v));
      }}>
        <option value="">{schema.default !== undefined ? `(default: ${String(schema.default)})` : '(not set)'}</option>
        {schema.enum.map((option: unknown) => (
          <option value={JSON.stringify(option)}>{String(option)}</option>
        ))}
      </select>
    );
  }
  if (schema.const !== undefined) return <code {...common}>{JSON.stringify(schema.const)}</code>;
  if (isBytes(schema)) return <FileWidget schema={schema} value={value} set={set} id={id} invalid={invalid} />;
  switch (type) {
    case 'string': {
      const long = (schema.maxLength ?? 0) > 200 || schema.format === 'textarea';
      const onInput = (e: Event) => {
        const v = (e.target as HTMLInputElement).value;
        set(v === '' ? undefined : v);
      };
      return long ? (
        <textarea {...common} rows={4} value={value ?? ''} placeholder={schema.default ?? ''} onInput={onInput} />
      ) : (
        <input {...common} type="text" value={value ?? ''} placeholder={schema.default ?? ''} onInput={onInput} />
      );
    }
    case 'integer':
    case 'number':
      return (
        <input
          {...common}
          type="number"
          step={type === 'integer' ? 1 : 'any'}
          min={schema.minimum}
          max={schema.maximum}
          value={value ?? ''}
          placeholder={schema.default === undefined ? '' : String(schema.default)}
          onInput={(e) => {
            const text = (e.target as HTMLInputElement).value;
            set(text === '' ? undefined : Number(text));
          }}
        />
      );
    case 'boolean':
      return <input {...common} type="checkbox" checked={value === true} onChange={(e) => set((e.target as HTMLInputElement).checked)} />;
    case 'array': {
      const items: Schema = schema.items ?? {};
      if (Array.isArray(items.enum)) {
        const chosen: unknown[] = Array.isArray(value) ? value : [];
        return (
          <div {...common} class="checks">
            {items.enum.map((option: unknown) => (
              <label class="check">
                <input
                  type="checkbox"
                  checked={chosen.includes(option)}
                  onChange={(e) => {
                    const on = (e.target as HTMLInputElement).checked;
                    const next = on ? [...chosen, option] : chosen.filter((c) => c !== option);
                    set(next.length === 0 ? undefined : next);
                  }}
                />
                {String(option)}
              </label>
            ))}
          </div>
        );
      }
      const itemType = typeOf(items);
      if (itemType === 'string' || itemType === 'number' || itemType === 'integer') {
        return (
          <textarea
            {...common}
            rows={3}
            placeholder="one per line"
            value={Array.isArray(value) ? value.join('\n') : ''}
            onInput={(e) => {
              const lines = (e.target as HTMLTextAreaElement).value.split('\n').filter((l) => l.trim() !== '');
              set(lines.length === 0 ? undefined : itemType === 'string' ? lines : lines.map(Number));
            }}
          />
        );
      }
      return <JsonWidget value={value} set={set} id={id} invalid={invalid} schema={schema} />;
    }
    default:
      return <JsonWidget value={value} set={set} id={id} invalid={invalid} schema={schema} />;
  }
}

/** Any value the widgets above cannot shape, as JSON text. */
function JsonWidget({ value, set, id, invalid }: WidgetProps) {
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value, null, 2));
  const [bad, setBad] = useState(false);
  return (
    <>
      <textarea
        id={id}
        class="json"
        rows={4}
        aria-invalid={invalid || bad ? 'true' : undefined}
        placeholder="JSON"
        value={text}
        onInput={(e) => {
          const t = (e.target as HTMLTextAreaElement).value;
          setText(t);
          if (t.trim() === '') {
            setBad(false);
            set(undefined);
            return;
          }
          try {
            set(JSON.parse(t));
            setBad(false);
          } catch {
            setBad(true);
          }
        }}
      />
      {bad && <p class="field-errors">not valid JSON yet</p>}
    </>
  );
}

/** A byte field: the chosen file goes to the host as a data: URL; images are previewed. */
function FileWidget({ schema, value, set, id, invalid }: WidgetProps) {
  const [error, setError] = useState<string | null>(null);
  const accept = typeof schema.contentMediaType === 'string' ? schema.contentMediaType : undefined;
  const isImage = typeof value === 'string' && /^data:image\/(png|jpeg|gif|webp);base64,/.test(value);
  return (
    <div class="file-field">
      <input
        id={id}
        type="file"
        accept={accept}
        aria-invalid={invalid ? 'true' : undefined}
        onChange={async (e) => {
          const file = (e.target as HTMLInputElement).files?.[0];
          setError(null);
          if (!file) return set(undefined);
          try {
            set(await readAsDataUrl(file));
          } catch (err) {
            setError((err as Error).message);
          }
        }}
      />
      {isImage && <img class="file-preview" src={value} alt="the chosen file" />}
      {error && <p class="field-errors">{error}</p>}
    </div>
  );
}
