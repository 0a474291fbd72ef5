export { RegistryClient, type Packument, type VersionDoc } from './registry-client.ts';
export { RegistryInstaller, type InstallOutcome } from './installer.ts';
export { parseTrustedKeys, type SignaturePolicy } from './verify-version.ts';
