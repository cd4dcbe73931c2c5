// `npm run db:seed`: a demo user with a varied set of tasks, created through the task SQL (so they obey
// every rule the API does), and a token to look at them with. Running it again changes nothing.
import { migrateLatest } from '../migrations/migrate.js';
import { issueToken } from '../src/auth/issue-token.js';
import { readPage } from '../src/tasks/list.sql.js';
import { insertTask } from '../src/tasks/writes.sql.js';
import type { TaskFields } from '../src/tasks/task.js';
import { withDatabase } from './with-database.js';

const DEMO = { id: 'demo_user', email: 'demo@example.com', name: 'Demo User' };
const day = 24 * 60 * 60 * 1000;
const at = (days: number) => new Date(Date.now() + days * day);
const tasks: Array<Partial<TaskFields> & { title: string }> = [
  { title: 'Buy milk', tags: ['errands'], due_date: at(1) },
  { title: 'File the quarterly VAT return', description: 'Upload the receipts folder first.', priority: 'high', tags: ['finance', 'admin'], due_date: at(12) },
  { title: 'Book dentist appointment', priority: 'medium', tags: ['health'], due_date: at(3) },
  { title: 'Water the plants', tags: ['home'], completed: true },
  { title: 'Prepare slides for Monday', description: 'Ten slides, no more.', priority: 'high', tags: ['work'], due_date: at(4) },
  { title: 'Call grandma', tags: ['family'], priority: 'low' },
  { title: 'Renew passport', priority: 'high', tags: ['admin', 'travel'], due_date: at(40) },
  { title: 'Read "The Pragmatic Programmer"', tags: ['reading'], priority: 'low' },
  { title: 'Fix the squeaky door', tags: ['home'], completed: true },
  { title: 'Plan birthday party', description: 'Guest list, cake, music.', tags: ['family'], due_date: at(20) },
  { title: 'Review pull requests', tags: ['work'], priority: 'medium', due_date: at(-1) },
  { title: 'Cancel unused subscriptions', tags: ['finance'], completed: true },
  { title: 'Ünïcödé and emoji 🎉 work too', tags: ['demo'] },
];

await withDatabase(async (database, config) => {
  await database.schema(migrateLatest);
  const existing = await readPage(database.db, DEMO.id, { sort: 'created', order: 'asc', limit: 1 });
  if (existing.tasks.length > 0) {
    console.log(`The demo user "${DEMO.id}" already has tasks; nothing added.`);
  } else {
    for (const task of tasks) {
      await insertTask(database.db, DEMO, { description: null, completed: false, priority: 'medium', tags: [], due_date: null, ...task });
    }
    console.log(`Created ${tasks.length} tasks for the demo user "${DEMO.id}".`);
  }
  const token = await issueToken(config.auth, { sub: DEMO.id, email: DEMO.email, name: DEMO.name, ttlSeconds: 24 * 3600 });
  console.log(`\nA token for it (24 h):\n${token}\n\ncurl -s localhost:${config.port}/api/tasks -H "Authorization: Bearer ${token}"`);
});
