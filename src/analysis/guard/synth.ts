/**
 * Synth-time wiring of the guard, on plain data so this folder needs neither cdk8s nor cdktf:
 * the caller collects the app's objects (cdk8s `ApiObject`s with their construct paths, or a
 * cdktf stack's `toTerraform()`), and registers the returned validation with
 * `node.addValidation`. Errors fail synthesis; warnings go to `onWarning`.
 */
import type { AgentDefinition } from '../../definition/types';
import type { Phase } from '../../phase/table';
import type { Manifest } from '../k8s/authorizer';
import { terraformResources, type SourcedManifest, type SynthOutput, type TerraformStack } from '../read';
import { DEFAULT_SINCE } from '../../state/phase-source';
import { guardMessages } from './agents';
import type { RenderOptions } from '../../k8s/render';
import type { AwsAccessProps, VaultAccessProps } from '../../terraform/props';
import type { DnsEndpoint, Suppression } from './types';

/** cdk8s objects as `{ path: obj.node.path, json: obj.toJson() }` → manifests located by construct path. */
export function manifestsFromObjects(objects: Iterable<{ readonly path: string; readonly json: unknown }>): SourcedManifest[] {
  return [...objects].map((o) => ({ manifest: o.json as Manifest, where: o.path }));
}

/** A cdktf stack's `toTerraform()` result → a stack whose resources are located by `//.metadata.path`. */
export function stackFromTerraform(json: Readonly<Record<string, unknown>>, stack: string): TerraformStack {
  return { stack, file: stack, resources: terraformResources(json, stack) };
}

/** What guardValidation needs; `output` is read lazily, when validation runs (after the app is built). */
export interface GuardValidationProps {
  readonly output: () => SynthOutput;
  readonly definition: AgentDefinition;
  readonly phase: Phase;
  /** @default DEFAULT_SINCE */
  readonly since?: string;
  readonly dns?: DnsEndpoint;
  /** The Kubernetes construct's render options (approvers, flavour, …). @default {} */
  readonly kubernetes?: RenderOptions;
  /** The Terraform construct's Vault and AWS props. @default none */
  readonly vault?: VaultAccessProps;
  readonly aws?: AwsAccessProps;
  readonly suppressions?: readonly Suppression[];
  /**
   * Receives each unsuppressed warning and each suppressed one with its reason.
   * @default writes to stderr
   */
  readonly onWarning?: (text: string) => void;
}

/**
 * A construct validation (`{ validate(): string[] }`) that runs the guard: every error becomes a
 * validation message (so synthesis fails), warnings are reported through `onWarning`.
 *
 * @example
 * // cdk8s: on the App (or Chart), over every chart's objects
 * app.node.addValidation(guardValidation({
 *   output: () => ({ manifests: manifestsFromObjects(app.charts.flatMap((c) => c.node.findAll())
 *     .filter((c): c is ApiObject => c instanceof ApiObject).map((o) => ({ path: o.node.path, json: o.toJson() }))), stacks: [] }),
 *   definition, phase,
 * }));
 */
export function guardValidation(props: GuardValidationProps): { validate(): string[] } {
  return {
    validate: () =>
      guardMessages(
        props.output(),
        [{
          definition: props.definition, phase: props.phase, since: props.since ?? DEFAULT_SINCE, suppressions: props.suppressions ?? [],
          ...(props.dns ? { dns: props.dns } : {}), ...(props.kubernetes ? { kubernetes: props.kubernetes } : {}),
          ...(props.vault ? { vault: props.vault } : {}), ...(props.aws ? { aws: props.aws } : {}),
        }],
        props.onWarning ?? ((text: string) => process.stderr.write(`${text}\n`)),
      ),
  };
}
