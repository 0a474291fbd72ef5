/**
 * Every error code the registry answers with: HTTP status, message template, meaning and how
 * to fix. A message's `{name}` parts are filled by the values each throw gives
 * (`new RegistryError(code, values)`, checked by the compiler against the template). Codes
 * are stable and never reused; docs/reference/registry.md mirrors this table and a test
 * fails when the two drift apart.
 */
import type { ErrorRow } from '@easel/common/errors/message-template';

export const ERROR_TABLE = {
  AUTH_REQUIRED: { status: 401, message: 'this command requires you to be logged in (npm login)', meaning: 'No `Authorization: Bearer <token>` header was sent', fix: 'Log in (`npm login`) or send a token' },
  AUTH_INVALID: {
    status: 401,
    message: 'invalid {credentials}; log in again (npm login)',
    meaning: 'The token is unknown, revoked or expired, or the user name and password do not match',
    fix: 'Log in again, or get a new token (`POST /-/npm/v1/tokens`)',
  },
  FORBIDDEN: { status: 403, message: '{action} needs {token}', meaning: 'The token may not use this route (an admin route, or a user route the admin token has no part in)', fix: 'Use the admin token, or a user token' },
  TOKEN_READ_ONLY: {
    status: 403,
    message: 'this token is read-only: it may read, not publish, deprecate, unpublish, tag or change owners',
    meaning: 'The token is read-only: it may read, but not publish, deprecate, unpublish, tag or change owners',
    fix: 'Use a token created without `readonly` (`POST /-/npm/v1/tokens`)',
  },
  TOKEN_ADDRESS_DENIED: { status: 403, message: 'this token may only be used from {addresses}', meaning: "The token has an address list (`cidr_whitelist`) and the request comes from outside it", fix: 'Use the token from an allowed address, or create one for this address' },
  TOKEN_NOT_FOUND: { status: 404, message: 'you have no live token of that key', meaning: 'You have no live token of that key (unknown, revoked, expired, or another user\'s)', fix: 'List your tokens with `npm token list`' },
  LOGIN_RATE_LIMITED: {
    status: 429,
    message: 'too many wrong passwords for this user or from this address; retry in {seconds} seconds',
    meaning: 'Too many wrong passwords for this user name or from this address within `EASEL_REGISTRY_PASSWORD_FAILURE_WINDOW_SECONDS`; password checks are refused until the window ends, the right password included',
    fix: 'Retry after the seconds in `Retry-After`; tokens already issued keep working',
  },
  NOT_OWNER: {
    status: 403,
    message: 'you ({user}) are not an owner of {target}; the owners are {owners}',
    meaning: 'The package belongs to other users; only its owners may change it. A new name in a library scope may be published only by an owner of a package in that scope',
    fix: 'Ask an owner to add you (`npm owner add <you> <package>`)',
  },
  REQUEST_INVALID: { status: 400, message: '{field} {problem}', meaning: 'The request body, query or parameters are malformed (JSON that does not parse included)', fix: 'Correct the fields named in `details`' },
  REQUEST_TOO_LARGE: { status: 413, message: 'the request body is over the {limit}-byte limit', meaning: 'The request body is bigger than `EASEL_REGISTRY_MAX_BODY_BYTES`', fix: 'Send less, or raise the limit' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'this route does not take a body of that content type', meaning: 'The request body has a content type this route does not take', fix: 'Send `application/json`' },
  ROUTE_NOT_FOUND: { status: 404, message: 'no route {method} {path}', meaning: 'No route matches the method and path', fix: 'Check docs/reference/registry.md' },
  REQUEST_MALFORMED: {
    status: 400,
    message: 'the request is not well-formed HTTP: {problem}',
    meaning: 'The request is not well-formed HTTP/1.1 (its request line, method, version or headers, a missing `Host`, its chunked framing or `Content-Length`); the connection is closed',
    fix: 'Send a well-formed request (npm and any HTTP library do)',
  },
  HEADERS_TOO_LARGE: { status: 431, message: 'the request line and headers are over the size limit', meaning: "The request line and headers together pass Node's limit (16 KiB, `--max-http-header-size`): a very long URL gets this too; the connection is closed", fix: 'Send a shorter URL and fewer or smaller headers' },
  REQUEST_TIMEOUT: { status: 408, message: 'the request did not arrive in time', meaning: "The request's headers did not arrive within 60 s; the connection is closed", fix: 'Send the whole request at once' },
  URL_INVALID: { status: 400, message: 'the URL path is not valid percent-encoding', meaning: 'The URL path is not valid percent-encoding (a `%` not followed by two hex digits, or bytes that are not UTF-8)', fix: 'Encode each path segment with `encodeURIComponent`' },
  URL_TOO_LONG: { status: 414, message: 'a path parameter is over {max} characters', meaning: 'A path parameter is longer than 512 characters (decoded); no package name or token key is that long', fix: 'Check the name or key in the path' },
  EXPECTATION_FAILED: { status: 417, message: 'the server meets no expectation but 100-continue', meaning: 'The request has an `Expect` header other than `100-continue`; the connection is closed', fix: 'Drop the header' },
  SHUTTING_DOWN: { status: 503, message: 'the registry is stopping; retry when it is back', meaning: 'The registry is stopping: it takes no new requests (those in flight finish) and closes the connection', fix: 'Retry when it is back' },
  PACKAGE_NAME_INVALID: { status: 400, message: 'invalid package name: {name}', meaning: 'The package name in the path is not a valid npm package name', fix: 'Use a lowercase name, optionally scoped (`@scope/name`)' },
  PACKAGE_NOT_FOUND: { status: 404, message: 'no {kind} {package} in this registry', meaning: 'No package of that name is published (or all its versions were unpublished); on the marketplace API (`/api/v1/packages/…`), whose packages are plugins, a library package is not found either', fix: 'Check the name' },
  VERSION_NOT_FOUND: { status: 404, message: '{package} has no version {version}', meaning: 'The package has no published version of that number', fix: 'List versions with `npm view <name> versions`' },
  TARBALL_NOT_FOUND: { status: 404, message: '{package} has no tarball {file}', meaning: 'No tarball of that file name is published', fix: 'Use the `dist.tarball` URL of the packument' },
  PUBLISH_INVALID: { status: 400, message: 'cannot publish {package}: {problem}', meaning: 'The publish body is not one version with one tarball attachment for the package in the path, or the tarball names another package or version', fix: 'Publish with `npm publish`; `message` says what is wrong' },
  INTEGRITY_MISMATCH: { status: 400, message: 'dist.{field} {sent} does not match the uploaded tarball ({actual})', meaning: "The client's `dist.integrity` or `dist.shasum` differs from the digest of the uploaded tarball", fix: 'Publish again; the upload was changed on the way' },
  VERSION_EXISTS: { status: 403, message: 'cannot modify pre-existing version: {version}', meaning: 'That version is published, or was published and unpublished: a name@version is never reused', fix: 'Publish a new version number' },
  VERSION_LIMIT: { status: 403, message: '{package} has {count} versions (unpublished ones included), the most this registry allows', meaning: 'The package has `EASEL_REGISTRY_MAX_VERSIONS` versions (unpublished ones included); no more can be published', fix: 'Publish under a new package name, or ask the registry admin to raise the limit' },
  PUBLISH_BUSY: { status: 503, message: 'the registry is handling {max} publishes already; retry in {seconds} seconds', meaning: 'The registry is handling `EASEL_REGISTRY_MAX_CONCURRENT_PUBLISHES` publishes already', fix: 'Retry after the seconds in `Retry-After`' },
  BUNDLE_INVALID: {
    status: 400,
    message: 'the tarball is not a valid {kind}: {problem}',
    meaning: 'The tarball is not a safe, well-formed Easel bundle (for a library scope: not a safe npm package tarball with a package.json), or unpacks past a cap',
    fix: 'Rebuild it with `easel pack` (a library: `npm pack`); `details.problems` lists what is wrong',
  },
  BUNDLE_TOO_LARGE: {
    status: 413,
    message: 'the tarball is over the {limit}-byte limit ({size})',
    meaning: 'The tarball is bigger than its size cap: 20 MiB for a plugin bundle (shared with the host), `EASEL_REGISTRY_LIBRARY_MAX_BYTES` for a library',
    fix: 'Make the tarball smaller',
  },
  MANIFEST_INVALID: { status: 400, message: 'plugin.json does not match plugin.schema.json: {problem}', meaning: 'plugin.json does not match plugin.schema.json', fix: 'Fix each problem in `details.problems` (JSON path and message)' },
  DIST_TAG_INVALID: { status: 400, message: 'dist-tag {tag} {problem}', meaning: 'The dist-tag name is invalid (empty, or a semver range), or it names a version that is not published', fix: 'Use a tag like `beta` and a published version' },
  DIST_TAG_LIMIT: { status: 400, message: '{package} would have {count} dist-tags; this registry allows at most {max}', meaning: 'The package would have more dist-tags than `EASEL_REGISTRY_MAX_DIST_TAGS`', fix: 'Remove tags you no longer use (`npm dist-tag rm`)' },
  DIST_TAG_NOT_FOUND: { status: 404, message: '{package} has no dist-tag {tag}', meaning: 'The package has no dist-tag of that name', fix: 'List tags with `npm dist-tag ls <name>`' },
  DIST_TAG_PROTECTED: { status: 400, message: 'the latest tag cannot be removed; point it at another version', meaning: 'The `latest` tag cannot be removed while versions are published', fix: 'Point `latest` at another version instead' },
  REVISION_CONFLICT: { status: 409, message: 'revision {sent} is not the current one ({current}); fetch the package again and retry', meaning: 'The `-rev` in the path is not the current revision of the package: it changed meanwhile', fix: 'Fetch the packument again (`?write=true`) and retry' },
  USER_INVALID: { status: 400, message: 'the {field} {problem}', meaning: 'The user name or password does not meet the rules (name: lowercase letters, digits, `.`, `_`, `-`; password: at least 8 characters)', fix: 'Choose another name or a longer password' },
  USER_EXISTS: { status: 409, message: 'user {user} already exists and the password does not match', meaning: 'A user of that name exists and the password does not match', fix: 'Use the right password, or another user name' },
  USER_NOT_FOUND: { status: 404, message: 'no user named {user}', meaning: 'No user of that name', fix: 'Check the name; users sign up with `npm login`' },
  SIGNUP_CLOSED: { status: 403, message: 'this registry does not allow sign-up; ask its admin for an account', meaning: 'Self sign-up is off (`EASEL_REGISTRY_OPEN_SIGNUP=false`); only the admin creates users', fix: 'Ask the registry admin for an account' },
  LAST_OWNER: { status: 409, message: '{package} must keep at least one owner', meaning: 'Removing this owner would leave the package without owners', fix: 'Add another owner first' },
  STORAGE_UNAVAILABLE: {
    status: 503,
    message: 'the tarball storage did not answer ({operation}: {reason}); retry later',
    meaning: 'The S3 bucket holding tarballs (`EASEL_REGISTRY_STORAGE=s3`) refused or did not answer; the registry log has the S3 error',
    fix: 'Retry later; an operator checks the bucket, its endpoint and credentials',
  },
  INTERNAL_ERROR: { status: 500, message: 'unexpected error; request id {requestId}', meaning: 'An unexpected error in the registry', fix: 'Report it with the request id' },
} as const satisfies Record<string, ErrorRow>;

export type ErrorCode = keyof typeof ERROR_TABLE;
