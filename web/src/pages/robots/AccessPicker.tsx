import { Checkbox, Collapse, Form } from 'antd';
import { useTranslation } from 'react-i18next';
import type { RobotAccess, RobotPermissionRequest } from '../../api/project-models';

/** The actions chosen per resource, as the form holds them. */
export type AccessChoice = Record<string, string[] | undefined>;

/** Repository access first; everything else the catalogue allows folded away. */
const FIRST = 'repository';

/** The allowed items of a permission as the picker's form value. */
export function choiceOf(access: readonly RobotAccess[]): AccessChoice {
  const choice: AccessChoice = {};
  for (const { resource, action, effect } of access) if (effect !== 'deny') choice[resource] = [...(choice[resource] ?? []), action];
  return choice;
}

/** The picker's form value as access items. */
export function accessOf(choice: AccessChoice | undefined): RobotPermissionRequest['access'] {
  return Object.entries(choice ?? {}).flatMap(([resource, chosen]) => (chosen ?? []).map((action) => ({ resource, action })));
}

/**
 * One checkbox group per resource of a permission catalogue (`GET /permissions`), bound to the
 * form field `name` (a path, so it works inside a Form.List). `fold` hides all but repository access.
 */
export function AccessPicker({
  catalogue,
  name,
  fold = true,
  testId,
}: {
  catalogue: ReadonlyArray<{ resource: string; action: string }>;
  name: Array<string | number>;
  fold?: boolean;
  testId?: string;
}) {
  const { t } = useTranslation();
  const actions = new Map<string, string[]>();
  for (const { resource, action } of catalogue) actions.set(resource, [...(actions.get(resource) ?? []), action]);
  const resources = [...actions.keys()].sort((a, b) => (a === FIRST ? -1 : b === FIRST ? 1 : a.localeCompare(b)));
  const row = (resource: string) => (
    <div key={resource} data-testid={`access-${resource || 'project'}`}>
      <Form.Item name={[...name, resource]} label={resource === '' ? t('project.robots.theProject') : resource} style={{ marginBottom: 8 }}>
        <Checkbox.Group options={(actions.get(resource) ?? []).map((action) => ({ label: action, value: action }))} />
      </Form.Item>
    </div>
  );
  if (!fold) return <div data-testid={testId}>{resources.map(row)}</div>;
  const rest = resources.filter((r) => r !== FIRST);
  return (
    <div data-testid={testId}>
      {actions.has(FIRST) && row(FIRST)}
      {rest.length > 0 && (
        <Collapse
          size="small"
          style={{ marginBottom: 16 }}
          items={[{ key: 'more', label: t('project.robots.morePermissions'), forceRender: true, children: rest.map(row) }]}
        />
      )}
    </div>
  );
}
