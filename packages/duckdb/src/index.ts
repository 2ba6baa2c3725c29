export { type ClickCountsQueryOptions, type ClickLogColumns, type ClickLogShape, clickCountsSql, DEFAULT_COLUMNS, sessionsPerQuerySql } from './click-log-sql';
export { type ClickLog, type ClickLogFormat, formatOf, isGlob, type ReadClickLogOptions, readClickLog } from './read-click-log';
