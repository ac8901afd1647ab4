// Dialect branching outside platform/db.
interface Database {
  dialect: 'sqlite' | 'postgres';
}

export const locks = (database: Database): boolean => database.dialect === 'postgres';
