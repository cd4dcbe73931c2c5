// The Tasks API's typed client, with Better Auth's JWT. The client asks for a token only when it holds
// none, when the one it holds is near its exp, or once after a 401: authClient.token() is a round trip.
import { createTasksClient } from '@tasks-api/client';
import { authClient } from './auth-client';

export const api = createTasksClient({
  baseUrl: process.env.NEXT_PUBLIC_TASKS_API_URL ?? 'http://localhost:8000',
  getToken: async () => (await authClient.token()).data?.token,
});
