import { LabelManager } from '../labels/LabelManager';

// The admin area is for system administrators, who may do everything with global labels.
const everything = () => true;

/** Global labels (scope g): create, edit, delete. */
export function Labels() {
  return <LabelManager scope={{ kind: 'global' }} can={everything} />;
}
