// The card as the further sections read it.
import type { ConsoleCardMoreQuery } from '@studio/graph';

export type CardMore = NonNullable<ConsoleCardMoreQuery['client']>;
export type FieldDefinition = NonNullable<ConsoleCardMoreQuery['customFieldDefinitions']>[number];
export type Branch = { id: string; name: string };
