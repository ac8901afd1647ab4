import { Form, Input, Select, Space, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Selector } from '../../api/policies-models';

/** The form values of one rule's repository and tag selectors. */
export interface SelectorValues {
  repoDecoration: 'repoMatches' | 'repoExcludes';
  repoPattern: string;
  tagDecoration: 'matches' | 'excludes';
  tagPattern: string;
}

export const SELECTOR_DEFAULTS: SelectorValues = { repoDecoration: 'repoMatches', repoPattern: '**', tagDecoration: 'matches', tagPattern: '**' };

/** A rule's first repository and tag selectors as form values, to edit the rule in the form that adds one. */
export function selectorValues(rule: { scope_selectors: { repository: Selector[] }; tag_selectors: Selector[] }): SelectorValues {
  const repository = rule.scope_selectors.repository[0];
  const tag = rule.tag_selectors[0];
  return {
    repoDecoration: repository?.decoration === 'repoExcludes' ? 'repoExcludes' : 'repoMatches',
    repoPattern: repository?.pattern ?? SELECTOR_DEFAULTS.repoPattern,
    tagDecoration: tag?.decoration === 'excludes' ? 'excludes' : 'matches',
    tagPattern: tag?.pattern ?? SELECTOR_DEFAULTS.tagPattern,
  };
}

/**
 * The form's selectors as a rule's body. The form edits the first selector of each kind; a rule
 * written through the API with more keeps the others as they were.
 */
export function selectorsBody(values: SelectorValues, tagExtras?: string, previous?: { scope_selectors: { repository: Selector[] }; tag_selectors: Selector[] }) {
  return {
    scope_selectors: {
      repository: [
        { kind: 'doublestar' as const, decoration: values.repoDecoration, pattern: values.repoPattern.trim() },
        ...(previous?.scope_selectors.repository.slice(1) ?? []),
      ],
    },
    tag_selectors: [
      { kind: 'doublestar' as const, decoration: values.tagDecoration, pattern: values.tagPattern.trim(), ...(tagExtras ? { extras: tagExtras } : {}) },
      ...(previous?.tag_selectors.slice(1) ?? []),
    ],
  };
}

/** Repository and tag pattern fields, each with matches or excludes. */
export function SelectorFields() {
  const { t } = useTranslation();
  const required = [{ required: true, whitespace: true, message: t('policies.required') }];
  return (
    <>
      <Form.Item label={t('policies.repositories')} required>
        <Space.Compact style={{ width: '100%' }}>
          <Form.Item name="repoDecoration" noStyle>
            <Select
              style={{ width: 160 }}
              aria-label={t('policies.repoDecoration')}
              options={[
                { value: 'repoMatches', label: t('policies.decoration.repoMatches') },
                { value: 'repoExcludes', label: t('policies.decoration.repoExcludes') },
              ]}
            />
          </Form.Item>
          <Form.Item name="repoPattern" noStyle rules={required}>
            <Input aria-label={t('policies.repoPattern')} placeholder={t('policies.patternHint')} />
          </Form.Item>
        </Space.Compact>
      </Form.Item>
      <Form.Item label={t('policies.tags')} required>
        <Space.Compact style={{ width: '100%' }}>
          <Form.Item name="tagDecoration" noStyle>
            <Select
              style={{ width: 160 }}
              aria-label={t('policies.tagDecoration')}
              options={[
                { value: 'matches', label: t('policies.decoration.matches') },
                { value: 'excludes', label: t('policies.decoration.excludes') },
              ]}
            />
          </Form.Item>
          <Form.Item name="tagPattern" noStyle rules={required}>
            <Input aria-label={t('policies.tagPattern')} placeholder={t('policies.patternHint')} />
          </Form.Item>
        </Space.Compact>
      </Form.Item>
    </>
  );
}

/** A rule's selectors as "matches **" tags. */
export function SelectorList({ selectors }: { selectors: Selector[] }) {
  const { t } = useTranslation();
  return (
    <Space size={4} wrap>
      {selectors.map((s, i) => (
        <Tag key={i}>
          {t(`policies.decoration.${s.decoration}`, { defaultValue: s.decoration })} <code>{s.pattern}</code>
        </Tag>
      ))}
    </Space>
  );
}
