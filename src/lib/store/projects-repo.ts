/** Project records; see runs-repo.ts for why access goes through a repository. */
import { DEFAULT_NAMING_TEMPLATE } from '$lib/core/naming';
import type { ProjectRecord } from '$lib/core/types';
import { validateProjectId } from '$lib/core/validate';
import type { CairnDb } from './db';

export class ProjectRepository {
	constructor(private readonly db: CairnDb) {}

	get(id: string): Promise<ProjectRecord | undefined> {
		return this.db.projects.get(id);
	}

	list(): Promise<ProjectRecord[]> {
		return this.db.projects.orderBy('createdAt').toArray();
	}

	/** Returns the project, creating it with defaults the first time it is used. */
	async ensure(id: string, now: number, defaults: Partial<Omit<ProjectRecord, 'id'>> = {}): Promise<ProjectRecord> {
		validateProjectId(id);
		return this.db.transaction('rw', this.db.projects, async () => {
			const existing = await this.db.projects.get(id);
			if (existing) return existing;
			const project: ProjectRecord = {
				id,
				name: defaults.name ?? id,
				createdAt: defaults.createdAt ?? now,
				namingTemplate: defaults.namingTemplate ?? DEFAULT_NAMING_TEMPLATE,
				description: defaults.description ?? ''
			};
			await this.db.projects.add(project);
			return project;
		});
	}
}
