import { useQuery } from '@tanstack/react-query';
import { Alert, App, Button, Card, Select, Space, Tag } from 'antd';
import { useState, type CSSProperties } from 'react';
import { useTranslation } from 'react-i18next';
import { apiUrl, call, errorText, getJson } from '../../api/client';
import type { ArtifactLabel } from '../../api/repository-models';
import { NotYet } from './shared';

const LABELS = '/projects/{project_name}/repositories/{repository_name}/artifacts/{reference}/labels';
const LABEL = `${LABELS}/{label_id}` as const;
/** Labels offered at once in the picker; typing searches the server for the rest. */
const CHOICES = 20;
const REMOVE_BUTTON: CSSProperties = { border: 0, background: 'none', padding: '0 2px', color: 'inherit', font: 'inherit', cursor: 'pointer' };

interface Props {
  /** The project's numeric id: its own labels are listed by it. */
  projectId: number;
  /** The artifact's path parameters (project, repository, reference). */
  params: Record<string, string>;
  labels: ArtifactLabel[];
  canAdd: boolean;
  canRemove: boolean;
  onChange: () => Promise<unknown>;
}

/** The artifact's labels; those whose role allows it add the project's or global labels, and remove them. */
export function ArtifactLabels({ projectId, params, labels, canAdd, canRemove, onChange }: Props) {
  const { t } = useTranslation();
  const { message: toast } = App.useApp();
  const [error, setError] = useState<string>();
  const [removing, setRemoving] = useState<number>();

  const remove = async (label: ArtifactLabel) => {
    setError(undefined);
    setRemoving(label.id);
    try {
      await call('DELETE', apiUrl(LABEL, { ...params, label_id: label.id }));
      void toast.success(t('repository.labelRemoved', { name: label.name }));
      await onChange();
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setRemoving(undefined);
    }
  };

  return (
    <Card size="small" title={t('repository.labels')}>
      <Space direction="vertical" style={{ width: '100%' }}>
        <div data-testid="artifact-labels">
          {labels.length === 0 ? (
            <NotYet reason={t('repository.noLabels')} />
          ) : (
            <Space size={[0, 8]} wrap>
              {labels.map((label) => (
                <Tag
                  key={label.id}
                  color={label.color || undefined}
                  title={label.description || undefined}
                  closable={canRemove && removing !== label.id}
                  // A real button, so the label can be removed from the keyboard too; its click reaches onClose.
                  closeIcon={
                    <button type="button" aria-label={t('repository.removeLabel', { name: label.name })} style={REMOVE_BUTTON}>
                      ×
                    </button>
                  }
                  onClose={(event) => {
                    // The tag goes when the server has removed the label, not before.
                    event.preventDefault();
                    void remove(label);
                  }}
                  data-testid={`artifact-label-${label.name}`}
                >
                  {label.name}
                </Tag>
              ))}
            </Space>
          )}
        </div>
        {canAdd && <AddLabel projectId={projectId} params={params} attached={labels} onAdded={onChange} onError={setError} />}
        {error && <Alert type="error" message={error} closable onClose={() => setError(undefined)} data-testid="artifact-label-error" />}
      </Space>
    </Card>
  );
}

function AddLabel(props: {
  projectId: number;
  params: Record<string, string>;
  attached: ArtifactLabel[];
  onAdded: () => Promise<unknown>;
  onError: (message: string | undefined) => void;
}) {
  const { t } = useTranslation();
  const { message: toast } = App.useApp();
  const [search, setSearch] = useState('');
  const [chosen, setChosen] = useState<number>();
  const [busy, setBusy] = useState(false);
  const name = search.trim() || undefined;
  const project = useQuery({
    queryKey: ['label-choices', 'p', props.projectId, name],
    queryFn: () => getJson<ArtifactLabel[]>(apiUrl('/labels', {}, { scope: 'p', project_id: props.projectId, name, page_size: CHOICES })),
  });
  const global = useQuery({
    queryKey: ['label-choices', 'g', name],
    queryFn: () => getJson<ArtifactLabel[]>(apiUrl('/labels', {}, { scope: 'g', name, page_size: CHOICES })),
  });
  const attached = new Set(props.attached.map((label) => label.id));
  const options = (labels: ArtifactLabel[] | undefined) =>
    (labels ?? [])
      .filter((label) => !attached.has(label.id))
      .map((label) => ({ value: label.id, label: <Tag color={label.color || undefined}>{label.name}</Tag>, title: label.name }));
  const everything = [...(project.data ?? []), ...(global.data ?? [])];

  const add = async () => {
    if (chosen === undefined) return;
    setBusy(true);
    props.onError(undefined);
    try {
      await call('POST', apiUrl(LABELS, props.params), { id: chosen });
      void toast.success(t('repository.labelAdded', { name: everything.find((label) => label.id === chosen)?.name ?? '' }));
      setChosen(undefined);
      await props.onAdded();
    } catch (failure) {
      props.onError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  const loadError = project.error ?? global.error;
  return (
    <Space direction="vertical" style={{ width: '100%' }}>
      <Space.Compact style={{ maxWidth: 420, width: '100%' }}>
        <Select<number>
          showSearch
          allowClear
          aria-label={t('repository.chooseLabel')}
          placeholder={t('repository.chooseLabel')}
          value={chosen}
          onChange={setChosen}
          onSearch={setSearch}
          filterOption={false}
          loading={project.isFetching || global.isFetching}
          notFoundContent={t('repository.noLabelsToAdd')}
          style={{ width: '100%' }}
          options={[
            { label: t('repository.projectLabels'), title: t('repository.projectLabels'), options: options(project.data) },
            { label: t('repository.globalLabels'), title: t('repository.globalLabels'), options: options(global.data) },
          ].filter((group) => group.options.length > 0)}
          data-testid="label-choice"
        />
        <Button type="primary" loading={busy} disabled={chosen === undefined} onClick={() => void add()} data-testid="add-label">
          {t('repository.addLabel')}
        </Button>
      </Space.Compact>
      {loadError && <Alert type="error" message={loadError.message} />}
    </Space>
  );
}
