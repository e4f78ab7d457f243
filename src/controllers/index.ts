/**
 * The registry of controllers `kubetls serve` and `kubetls controller-manager` can run, in the
 * order they start; `--controllers` selects among them by name (selection.ts). Each entry is a
 * ControllerSpec (framework/types.ts says how one is written). Names are kube-controller-
 * manager's where it has the controller.
 */
import {
  csrApprovingController,
  kubeletServingApproverController,
  policyApproverController,
} from './approval/controllers.js';
import { cleanerController } from './cleaner.js';
import { signingController } from './csrsigning.js';
import type { ControllerSpec } from './framework/types.js';

export const CONTROLLERS: readonly ControllerSpec[] = [
  signingController,
  csrApprovingController,
  kubeletServingApproverController,
  policyApproverController,
  cleanerController,
];

/** The names, for --help. */
export function controllerHelp(specs: readonly ControllerSpec[] = CONTROLLERS): string {
  return specs.map((c) => `${c.name}${c.enabledByDefault ? '' : ' (off by default)'}`).join(', ');
}

export type { ControllerSpec } from './framework/types.js';
