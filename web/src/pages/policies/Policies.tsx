import { Divider, Space } from 'antd';
import type { ProjectTabProps } from '../project/shared';
import { Immutability } from './Immutability';
import { Retention } from './Retention';

/** The project's policies tab: tag retention, and tag immutability for roles that may list it. */
export default function Policies(props: ProjectTabProps) {
  return (
    <Space direction="vertical" size="middle" style={{ width: '100%' }}>
      <Retention {...props} />
      {props.can('immutable-tag', 'list') && (
        <>
          <Divider />
          <Immutability {...props} />
        </>
      )}
    </Space>
  );
}
