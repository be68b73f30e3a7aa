// Runs before every integration test: tests sign in from a handful of fixed addresses many
// times a minute, so the in-memory anonymous limit starts empty for each (its own test checks it).
import { beforeEach } from 'vitest';
import { resetAnonymousLimits } from '@/server/api/anonymous-limit';

beforeEach(() => resetAnonymousLimits());
