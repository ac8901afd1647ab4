import { App } from 'antd';
import { errorText } from '../../api/client';

/**
 * Returns a runner for a list's row actions: it runs the call, shows the success text (if any) or
 * the API's own words for a refusal, and then refreshes the list either way.
 */
export function useRunAction(refresh: () => unknown) {
  const { message } = App.useApp();
  return async (work: () => Promise<unknown>, done?: string): Promise<void> => {
    try {
      await work();
      if (done !== undefined) void message.success(done);
    } catch (failure) {
      void message.error(errorText(failure));
    }
    await refresh();
  };
}
