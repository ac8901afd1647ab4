import { Alert, Button, Card, Form, Input, Result, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { apiUrl, call, errorText } from '../api/client';
import { Loading } from '../shell/Loading';
import { useSelfRegistration } from './signUpSetting';

interface SignUpValues {
  username: string;
  email: string;
  realname: string;
  password: string;
  confirm: string;
}

/** Self-registration (POST /users without a session), offered only while the administrator allows it; the server's rules speak for themselves. */
export default function SignUp() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const allowed = useSelfRegistration();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (values: SignUpValues) => {
    setBusy(true);
    setError(undefined);
    try {
      await call('POST', apiUrl('/users'), {
        username: values.username.trim(),
        email: values.email.trim(),
        realname: values.realname.trim(),
        password: values.password,
      });
      void navigate('/sign-in', { state: { registered: values.username.trim() } });
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };

  const back = (
    <Link to="/sign-in" data-testid="back-to-sign-in">
      {t('signUp.backToSignIn')}
    </Link>
  );

  if (allowed.isLoading) return <Loading />;
  return (
    <div style={{ display: 'flex', justifyContent: 'center', alignItems: 'center', minHeight: '100vh', padding: 16 }}>
      <Card style={{ width: '100%', maxWidth: 440 }}>
        {allowed.error && <Alert type="error" message={allowed.error.message} style={{ marginBottom: 16 }} />}
        {allowed.data === false ? (
          <Result status="info" title={t('signUp.off')} subTitle={t('signUp.offText')} extra={back} data-testid="sign-up-off" />
        ) : (
          <>
            <Typography.Title level={3} style={{ marginTop: 0 }}>
              {t('signUp.title')}
            </Typography.Title>
            {error && <Alert type="error" message={error} style={{ marginBottom: 16 }} data-testid="sign-up-error" />}
            <Form<SignUpValues> layout="vertical" onFinish={(values) => void submit(values)}>
              <Form.Item name="username" label={t('signUp.username')} rules={[{ required: true, whitespace: true, message: t('signIn.required') }]}>
                <Input autoComplete="username" autoFocus />
              </Form.Item>
              <Form.Item name="email" label={t('signUp.email')} rules={[{ required: true, whitespace: true, message: t('signIn.required') }]}>
                <Input type="email" autoComplete="email" />
              </Form.Item>
              <Form.Item name="realname" label={t('signUp.realname')} rules={[{ required: true, whitespace: true, message: t('signIn.required') }]}>
                <Input autoComplete="name" />
              </Form.Item>
              <Form.Item name="password" label={t('signUp.password')} extra={t('signUp.passwordHint')} rules={[{ required: true, message: t('signIn.required') }]}>
                <Input.Password autoComplete="new-password" />
              </Form.Item>
              <Form.Item
                name="confirm"
                label={t('signUp.confirm')}
                dependencies={['password']}
                rules={[
                  { required: true, message: t('signIn.required') },
                  ({ getFieldValue }) => ({
                    validator: (_, value: string | undefined) =>
                      !value || value === getFieldValue('password') ? Promise.resolve() : Promise.reject(new Error(t('signUp.mismatch'))),
                  }),
                ]}
              >
                <Input.Password autoComplete="new-password" />
              </Form.Item>
              <Button type="primary" htmlType="submit" block loading={busy} data-testid="sign-up-submit">
                {t('signUp.submit')}
              </Button>
            </Form>
            <div style={{ marginTop: 16, textAlign: 'center' }}>{back}</div>
          </>
        )}
      </Card>
    </div>
  );
}
