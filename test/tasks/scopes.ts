// Every behaviour is checked under both URL scopes; `scope(user)` gives the collection path.
export const scopes = {
  implicit: (_user: { id: string }) => '/api/tasks',
  explicit: (user: { id: string }) => `/api/${encodeURIComponent(user.id)}/tasks`,
};
