/** Project records; reads from the projection, writes through SharedWrites (see runs-repo.ts). */
import { DEFAULT_NAMING_TEMPLATE } from '$lib/core/naming';
import type { ProjectRecord } from '$lib/core/types';
import { validateProjectId } from '$lib/core/validate';
import type { CairnDb } from './db';
import type { SharedWrites } from './shared-writes';

export class ProjectRepository {
	constructor(
		private readonly db: CairnDb,
		private readonly shared: SharedWrites
	) {}

	get(id: string): Promise<ProjectRecord | undefined> {
		return this.db.projects.get(id);
	}

	list(): Promise<ProjectRecord[]> {
		return this.db.projects.orderBy('createdAt').toArray();
	}

	/** Returns the project, creating it with defaults the first time it is used. */
	async ensure(id: string, now: number, defaults: Partial<Omit<ProjectRecord, 'id'>> = {}): Promise<ProjectRecord> {
		validateProjectId(id);
		const existing = await this.db.projects.get(id);
		if (existing) return existing;
		const project: ProjectRecord = {
			id,
			name: defaults.name ?? id,
			createdAt: defaults.createdAt ?? now,
			namingTemplate: defaults.namingTemplate ?? DEFAULT_NAMING_TEMPLATE,
			description: defaults.description ?? ''
		};
		await this.shared.ensureProject(project);
		return (await this.db.projects.get(id)) ?? project;
	}
}
