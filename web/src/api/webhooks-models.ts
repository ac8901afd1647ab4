/** Response fields the webhooks tab and the header's search read. */

export interface WebhookTarget {
  type: 'http' | 'slack';
  address: string;
  auth_header: string;
  skip_cert_verify: boolean;
  payload_format: string;
}

export interface WebhookPolicy {
  id: number;
  name: string;
  description: string;
  project_id: number;
  targets: WebhookTarget[];
  event_types: string[];
  creator: string;
  creation_time: string;
  update_time: string;
  enabled: boolean;
}

export interface WebhookEvents {
  event_type: string[];
  notify_type: string[];
  payload_formats: Array<{ notify_type: string; formats: string[] }>;
}

export interface WebhookExecution {
  id: number;
  status: string;
  status_message: string;
  trigger: string;
  extra_attrs: Record<string, unknown>;
  start_time: string;
  end_time: string;
}

export interface WebhookTask {
  id: number;
  execution_id: number;
  status: string;
  status_message: string;
  run_count: number;
  start_time: string;
  end_time: string;
}

export interface SearchResult {
  project: Array<{ project_id: number; name: string }>;
  repository: Array<{ project_id: number; project_name: string; repository_name: string; artifact_count: number }>;
}
