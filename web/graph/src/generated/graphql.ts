/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type AddressInput = {
  city?: string | null | undefined;
  country?: string | null | undefined;
  line1?: string | null | undefined;
  line2?: string | null | undefined;
  postalCode?: string | null | undefined;
  region?: string | null | undefined;
};

export type Channel =
  | 'EMAIL'
  | 'PUSH'
  | 'SMS';

export type ClientFilter = {
  birthdayOn?: string | null | undefined;
  branchId?: string | number | null | undefined;
  /** Points balance at most this. */
  maxPoints?: number | null | undefined;
  /** Points balance at least this (kept from loyalty events). */
  minPoints?: number | null | undefined;
  /** Holds this rank in any category (kept from ranks events). */
  rankId?: string | number | null | undefined;
  /** name, email or phone */
  search?: string | null | undefined;
  status?: Array<ClientStatus> | null | undefined;
};

export type ClientInput = {
  address?: AddressInput | null | undefined;
  birthDate?: string | null | undefined;
  email?: string | null | undefined;
  firstName?: string | null | undefined;
  gender?: Gender | null | undefined;
  language?: string | null | undefined;
  lastName?: string | null | undefined;
  middleName?: string | null | undefined;
  onlineBookingBlocked?: boolean | null | undefined;
  phone?: string | null | undefined;
  preferredBranchId?: string | number | null | undefined;
  referralSource?: string | null | undefined;
  status?: ClientStatus | null | undefined;
  weightKg?: number | null | undefined;
};

export type ClientSource =
  | 'IMPORT'
  | 'MANUAL'
  | 'PARTNER'
  | 'WIDGET';

export type ClientStatus =
  | 'ACTIVE'
  | 'ARCHIVED'
  | 'INACTIVE'
  | 'LEAD';

export type Gender =
  | 'FEMALE'
  | 'MALE'
  | 'NON_BINARY'
  | 'UNDISCLOSED';

export type LedgerKind =
  | 'DEDUCT'
  | 'EARN'
  | 'EXPIRE'
  | 'GRANT'
  | 'REDEEM'
  | 'REVERSAL';

export type MessageCategory =
  | 'APPOINTMENTS'
  | 'MARKETING'
  | 'PACKAGES'
  | 'SERVICE'
  | 'TRANSACTIONS';

export type RankChangeKind =
  | 'ASSIGNMENT'
  | 'DEMOTION'
  | 'PROMOTION'
  | 'STRIPE_AWARDED'
  | 'STRIPE_REMOVED';

export type RankChangeTrigger =
  | 'AUTOMATIC'
  | 'MANUAL';

export type RankReportFilter = {
  autoPromotedSince?: string | null | undefined;
  eligibleOnly?: boolean | null | undefined;
  rankId?: string | number | null | undefined;
};

export type StaffNotificationKind =
  | 'OTHER'
  | 'RANK_ELIGIBLE';

/** What a timeline entry records (the fact of its event). */
export type TimelineKind =
  | 'APP_LOGGED_OUT'
  | 'APP_SESSION_STARTED'
  | 'BOOKING_CANCELLED'
  | 'BOOKING_MADE'
  | 'CLIENT_CREATED'
  | 'CLIENT_DEMOTED'
  | 'CLIENT_ELIGIBLE'
  | 'CLIENT_MOVED_IN_FUNNEL'
  | 'CLIENT_PROMOTED'
  | 'CUSTOM_FIELD_VALUE_SET'
  | 'DISLIKED_SERVICE_ADDED'
  | 'DISLIKED_SERVICE_REMOVED'
  | 'DISLIKED_SERVICE_UPDATED'
  | 'DOCUMENT_ADDED'
  | 'DOCUMENT_DELETED'
  | 'FORM_ASSIGNED'
  | 'FORM_COMPLETED'
  | 'FORM_REMOVED'
  | 'GIFT_CARD_REPORTED'
  | 'MEMBERSHIP_REPORTED'
  | 'MESSAGE_SENT'
  | 'NOTE_ADDED'
  | 'NOTIFICATION_BOUNCED'
  | 'OTHER'
  | 'POINTS_DEDUCTED'
  | 'POINTS_EARNED'
  | 'POINTS_EXPIRED'
  | 'POINTS_GRANTED'
  | 'POINTS_REDEEMED'
  | 'POINTS_REVERSED'
  | 'PREFERENCES_CHANGED'
  | 'PURCHASE_RECORDED'
  | 'PURCHASE_REFUNDED'
  | 'RANK_ASSIGNED'
  | 'SESSION_SCHEDULED'
  | 'STAFF_NOTIFIED'
  | 'STRIPE_AWARDED'
  | 'STRIPE_ELIGIBLE'
  | 'STRIPE_REMOVED'
  | 'TASK_COMPLETED'
  | 'TASK_CREATED'
  | 'VISIT_RECORDED'
  | 'WAITLIST_CONVERTED'
  | 'WAITLIST_JOINED';

/** Why a mutation refused (`UserError.code`). */
export type UserErrorCode =
  | 'ALL_STRIPES_HELD'
  | 'ALREADY_DISLIKED'
  | 'ALREADY_ERASED'
  | 'ALREADY_REDEEMED'
  | 'BAD_AMOUNT'
  | 'BAD_BRANCH'
  | 'BAD_CAPACITY'
  | 'BAD_CHANNEL'
  | 'BAD_CRITERION'
  | 'BAD_CURSOR'
  | 'BAD_DAYS'
  | 'BAD_EARN_PERCENT'
  | 'BAD_EXPIRY_DAYS'
  | 'BAD_IDEMPOTENCY_KEY'
  | 'BAD_KIND'
  | 'BAD_LANGUAGE'
  | 'BAD_NAME'
  | 'BAD_NOTE'
  | 'BAD_PAGE_SIZE'
  | 'BAD_PERIOD'
  | 'BAD_POINTS'
  | 'BAD_POINTS_RANGE'
  | 'BAD_POINT_VALUE'
  | 'BAD_POSITION'
  | 'BAD_PRIORITY'
  | 'BAD_QUANTITY'
  | 'BAD_RANGE'
  | 'BAD_REMINDER_DAYS'
  | 'BAD_ROLE'
  | 'BAD_SKILLS'
  | 'BAD_STATUS'
  | 'BAD_STRIPES'
  | 'BAD_TEMPLATE'
  | 'BAD_TEXT'
  | 'BAD_USER_INPUT'
  | 'BIRTH_DATE_IN_FUTURE'
  | 'BIRTH_DATE_TOO_OLD'
  | 'CATEGORY_ARCHIVED'
  | 'CHOICES_NOT_ALLOWED'
  | 'CHOICES_REQUIRED'
  | 'CLIENT_ARCHIVED'
  | 'CLIENT_NOT_FOUND'
  | 'CONFLICT'
  | 'CONTENT_TYPE_MISMATCH'
  | 'DUPLICATE_BRANCH'
  | 'DUPLICATE_CATEGORY'
  | 'DUPLICATE_CHOICE'
  | 'DUPLICATE_CLIENT'
  | 'DUPLICATE_LABEL'
  | 'DUPLICATE_RANK'
  | 'DUPLICATE_STAGE'
  | 'EMPTY_FILE'
  | 'EVENT_ID_CONFLICT'
  | 'FIELD_ARCHIVED'
  | 'FILE_TOO_LARGE'
  | 'FORBIDDEN'
  | 'FORM_COMPLETED'
  | 'FUTURE_TIME'
  | 'HIGHEST'
  | 'INSUFFICIENT_POINTS'
  | 'INVALID'
  | 'INVALID_BOOLEAN'
  | 'INVALID_CHANNEL'
  | 'INVALID_CHOICE'
  | 'INVALID_COUNTRY'
  | 'INVALID_CURRENCY'
  | 'INVALID_DATA'
  | 'INVALID_DATE'
  | 'INVALID_EMAIL'
  | 'INVALID_GENDER'
  | 'INVALID_LANGUAGE'
  | 'INVALID_LINK'
  | 'INVALID_NAME'
  | 'INVALID_NUMBER'
  | 'INVALID_PHONE'
  | 'INVALID_SOURCE'
  | 'INVALID_STATUS'
  | 'INVALID_TIME_ZONE'
  | 'INVALID_TYPE'
  | 'INVALID_WEIGHT'
  | 'IN_USE'
  | 'LINK_EXPIRED'
  | 'LOWEST'
  | 'MISSING_COLUMNS'
  | 'NAIVE_TIME'
  | 'NOT_CSV'
  | 'NOT_FOUND'
  | 'NO_LINES'
  | 'NO_RANK'
  | 'NO_STRIPES'
  | 'NO_STRIPE_HELD'
  | 'OVERPAID'
  | 'PLATFORM_REQUIRED'
  | 'POINTS_LIMIT'
  | 'PREREQUISITE_MISSING'
  | 'PROGRAM_DISABLED'
  | 'RANK_HELD'
  | 'REPEAT_IN_PROGRESS'
  | 'REQUIRED'
  | 'ROLE_NOT_ALLOWED'
  | 'SAME_RANK'
  | 'STRIPES_HELD'
  | 'TENANT_MISMATCH'
  | 'TOO_LONG'
  | 'TOO_MANY_CHOICES'
  | 'TOO_MANY_ROWS'
  | 'UNKNOWN_BOOKING'
  | 'UNKNOWN_BRANCH'
  | 'UNKNOWN_CATEGORY'
  | 'UNKNOWN_CLIENT'
  | 'UNKNOWN_INVOICE'
  | 'UNKNOWN_PLACEHOLDER'
  | 'UNKNOWN_RANK'
  | 'UNKNOWN_SESSION'
  | 'UNKNOWN_SKILL'
  | 'UNKNOWN_STAGE'
  | 'UNKNOWN_TEMPLATE'
  | 'UNKNOWN_TYPE'
  | 'UNKNOWN_WAITLIST_ENTRY'
  | 'UNSUPPORTED_CONTENT_TYPE'
  | 'WRONG_CLIENT';

export type ClientCardQueryVariables = Exact<{
  id: string | number;
}>;


export type ClientCardQuery = { __typename: 'Query', client: { __typename: 'Client', id: string, firstName: string, middleName: string | null, lastName: string, email: string | null, phone: string | null, birthDate: string | null, gender: Gender | null, status: ClientStatus, source: ClientSource, language: string | null, onlineBookingBlocked: boolean, createdAt: string, updatedAt: string, notes: Array<{ __typename: 'ClientNote', id: string, text: string, at: string }>, documents: Array<{ __typename: 'ClientDocument', id: string, fileName: string, contentType: string, downloadUrl: string, downloadUrlExpiresAt: string }>, communicationPreferences: Array<{ __typename: 'CommunicationPreference', id: string, category: MessageCategory, channel: Channel, enabled: boolean }>, activity: { __typename: 'ClientActivity', id: string, hasApp: boolean, upcomingBookings: Array<{ __typename: 'Booking', id: string, startsAt: string, serviceName: string | null }> } | null, loyalty: { __typename: 'LoyaltyAccount', id: string, balance: number, balanceValue: { __typename: 'Money', amount: string, currency: string } } | null, ranks: Array<{ __typename: 'ClientRank', id: string, since: string, stripes: number, visitsInRank: number, eligibleForPromotion: boolean, category: { __typename: 'RankCategory', id: string, name: string }, rank: { __typename: 'Rank', id: string, name: string }, nextRank: { __typename: 'Rank', id: string, name: string } | null }> | null, timeline: { __typename: 'TimelineConnection', pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, edges: Array<{ __typename: 'TimelineEdge', node: { __typename: 'TimelineEntry', id: string, kind: TimelineKind, at: string, summary: string } }> } | null } | null };

export type MyCardQueryVariables = Exact<{ [key: string]: never; }>;


export type MyCardQuery = { __typename: 'Query', me: { __typename: 'Client', id: string, firstName: string, middleName: string | null, lastName: string, email: string | null, phone: string | null, birthDate: string | null, gender: Gender | null, status: ClientStatus, source: ClientSource, language: string | null, onlineBookingBlocked: boolean, createdAt: string, updatedAt: string, notes: Array<{ __typename: 'ClientNote', id: string, text: string, at: string }>, documents: Array<{ __typename: 'ClientDocument', id: string, fileName: string, contentType: string, downloadUrl: string, downloadUrlExpiresAt: string }>, communicationPreferences: Array<{ __typename: 'CommunicationPreference', id: string, category: MessageCategory, channel: Channel, enabled: boolean }>, activity: { __typename: 'ClientActivity', id: string, hasApp: boolean, upcomingBookings: Array<{ __typename: 'Booking', id: string, startsAt: string, serviceName: string | null }> } | null, loyalty: { __typename: 'LoyaltyAccount', id: string, balance: number, balanceValue: { __typename: 'Money', amount: string, currency: string } } | null, ranks: Array<{ __typename: 'ClientRank', id: string, since: string, stripes: number, visitsInRank: number, eligibleForPromotion: boolean, category: { __typename: 'RankCategory', id: string, name: string }, rank: { __typename: 'Rank', id: string, name: string }, nextRank: { __typename: 'Rank', id: string, name: string } | null }> | null, timeline: { __typename: 'TimelineConnection', pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, edges: Array<{ __typename: 'TimelineEdge', node: { __typename: 'TimelineEntry', id: string, kind: TimelineKind, at: string, summary: string } }> } | null } | null };

export type CardFragment = { __typename: 'Client', id: string, firstName: string, middleName: string | null, lastName: string, email: string | null, phone: string | null, birthDate: string | null, gender: Gender | null, status: ClientStatus, source: ClientSource, language: string | null, onlineBookingBlocked: boolean, createdAt: string, updatedAt: string, notes: Array<{ __typename: 'ClientNote', id: string, text: string, at: string }>, documents: Array<{ __typename: 'ClientDocument', id: string, fileName: string, contentType: string, downloadUrl: string, downloadUrlExpiresAt: string }>, communicationPreferences: Array<{ __typename: 'CommunicationPreference', id: string, category: MessageCategory, channel: Channel, enabled: boolean }>, activity: { __typename: 'ClientActivity', id: string, hasApp: boolean, upcomingBookings: Array<{ __typename: 'Booking', id: string, startsAt: string, serviceName: string | null }> } | null, loyalty: { __typename: 'LoyaltyAccount', id: string, balance: number, balanceValue: { __typename: 'Money', amount: string, currency: string } } | null, ranks: Array<{ __typename: 'ClientRank', id: string, since: string, stripes: number, visitsInRank: number, eligibleForPromotion: boolean, category: { __typename: 'RankCategory', id: string, name: string }, rank: { __typename: 'Rank', id: string, name: string }, nextRank: { __typename: 'Rank', id: string, name: string } | null }> | null, timeline: { __typename: 'TimelineConnection', pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, edges: Array<{ __typename: 'TimelineEdge', node: { __typename: 'TimelineEntry', id: string, kind: TimelineKind, at: string, summary: string } }> } | null };

export type ClientListQueryVariables = Exact<{
  filter?: ClientFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
  last?: number | null | undefined;
  before?: string | null | undefined;
}>;


export type ClientListQuery = { __typename: 'Query', clients: { __typename: 'ClientConnection', totalCount: number, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, hasPreviousPage: boolean, startCursor: string | null, endCursor: string | null }, edges: Array<{ __typename: 'ClientEdge', cursor: string, node: { __typename: 'Client', id: string, firstName: string, lastName: string, email: string | null, phone: string | null, status: ClientStatus, loyalty: { __typename: 'LoyaltyAccount', id: string, balance: number } | null, ranks: Array<{ __typename: 'ClientRank', id: string, category: { __typename: 'RankCategory', id: string, name: string }, rank: { __typename: 'Rank', id: string, name: string } }> | null } }> } | null };

export type ClientRowFragment = { __typename: 'Client', id: string, firstName: string, lastName: string, email: string | null, phone: string | null, status: ClientStatus, loyalty: { __typename: 'LoyaltyAccount', id: string, balance: number } | null, ranks: Array<{ __typename: 'ClientRank', id: string, category: { __typename: 'RankCategory', id: string, name: string }, rank: { __typename: 'Rank', id: string, name: string } }> | null };

export type CreateClientMutationVariables = Exact<{
  input: ClientInput;
}>;


export type CreateClientMutation = { __typename: 'Mutation', createClient: { __typename: 'ClientPayload', client: { __typename: 'Client', id: string, firstName: string, lastName: string, email: string | null, phone: string | null, status: ClientStatus, loyalty: { __typename: 'LoyaltyAccount', id: string, balance: number } | null, ranks: Array<{ __typename: 'ClientRank', id: string, category: { __typename: 'RankCategory', id: string, name: string }, rank: { __typename: 'Rank', id: string, name: string } }> | null } | null, userErrors: Array<{ __typename: 'UserError', field: Array<string> | null, message: string, code: UserErrorCode }> } | null };

export type PromoteClientMutationVariables = Exact<{
  clientId: string | number;
  categoryId: string | number;
  note?: string | null | undefined;
}>;


export type PromoteClientMutation = { __typename: 'Mutation', promoteClient: { __typename: 'ClientRankPayload', clientRank: { __typename: 'ClientRank', id: string, stripes: number, since: string, rank: { __typename: 'Rank', id: string, name: string } } | null, change: { __typename: 'RankChange', id: string, kind: RankChangeKind, trigger: RankChangeTrigger, at: string } | null, client: { __typename: 'Client', id: string, ranks: Array<{ __typename: 'ClientRank', id: string, stripes: number }> | null } | null, userErrors: Array<{ __typename: 'UserError', field: Array<string> | null, message: string, code: UserErrorCode }> } | null };

export type GrantPointsMutationVariables = Exact<{
  clientId: string | number;
  points: number;
  note: string;
  expiryDays?: number | null | undefined;
}>;


export type GrantPointsMutation = { __typename: 'Mutation', grantPoints: { __typename: 'LedgerPayload', entries: Array<{ __typename: 'LedgerEntry', id: string, kind: LedgerKind, points: number, at: string, expiresAt: string | null }>, account: { __typename: 'LoyaltyAccount', id: string, balance: number } | null, client: { __typename: 'Client', id: string, loyalty: { __typename: 'LoyaltyAccount', id: string, balance: number } | null } | null, userErrors: Array<{ __typename: 'UserError', field: Array<string> | null, message: string, code: UserErrorCode }> } | null };

export type RankReportQueryVariables = Exact<{
  categoryId: string | number;
  filter?: RankReportFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type RankReportQuery = { __typename: 'Query', rankReport: { __typename: 'RankReportConnection', totalCount: number, pageInfo: { __typename: 'PageInfo', hasNextPage: boolean, endCursor: string | null }, edges: Array<{ __typename: 'RankReportEdge', cursor: string, node: { __typename: 'RankReportRow', eligibleForPromotion: boolean, visitsInRank: number, client: { __typename: 'Client', id: string, firstName: string, lastName: string }, rank: { __typename: 'Rank', id: string, name: string } } }> } | null };

export type CrmTodayQueryVariables = Exact<{
  date: string;
  branchId?: string | number | null | undefined;
}>;


export type CrmTodayQuery = { __typename: 'Query', crmSummary: { __typename: 'CrmSummary', id: string, withApp: number, activeInApp: number, bookedToday: { __typename: 'CountWithClients', count: number }, onWaitlist: { __typename: 'CountWithClients', count: number }, cancelled: { __typename: 'CountWithClients', count: number }, birthdays: { __typename: 'CountWithClients', count: number } } | null };

export type InboxQueryVariables = Exact<{
  unreadOnly?: boolean | null | undefined;
  first?: number | null | undefined;
}>;


export type InboxQuery = { __typename: 'Query', staffNotifications: Array<{ __typename: 'StaffNotification', id: string, kind: StaffNotificationKind, message: string, at: string, read: boolean, client: { __typename: 'Client', id: string, firstName: string, lastName: string } | null }> | null };

export const CardFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Card"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Client"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"middleName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"birthDate"}},{"kind":"Field","name":{"kind":"Name","value":"gender"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"language"}},{"kind":"Field","name":{"kind":"Name","value":"onlineBookingBlocked"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"notes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}},{"kind":"Field","name":{"kind":"Name","value":"documents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"fileName"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrlExpiresAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"communicationPreferences"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}}]}},{"kind":"Field","name":{"kind":"Name","value":"activity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"hasApp"}},{"kind":"Field","name":{"kind":"Name","value":"upcomingBookings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}},{"kind":"Field","name":{"kind":"Name","value":"serviceName"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"loyalty"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}},{"kind":"Field","name":{"kind":"Name","value":"balanceValue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"ranks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"category"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rank"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"since"}},{"kind":"Field","name":{"kind":"Name","value":"stripes"}},{"kind":"Field","name":{"kind":"Name","value":"visitsInRank"}},{"kind":"Field","name":{"kind":"Name","value":"eligibleForPromotion"}},{"kind":"Field","name":{"kind":"Name","value":"nextRank"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"timeline"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"summary"}}]}}]}}]}}]}}]} as unknown as DocumentNode<CardFragment, unknown>;
export const ClientRowFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ClientRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Client"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"loyalty"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ranks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"category"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rank"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<ClientRowFragment, unknown>;
export const ClientCardDocument = {"__meta__":{"hash":"sha256:c73724a2d1e711e77dfd9eb971d9ac533a5525fc025a36ebe461b6dccc338e50"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ClientCard"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"client"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Card"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Card"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Client"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"middleName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"birthDate"}},{"kind":"Field","name":{"kind":"Name","value":"gender"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"language"}},{"kind":"Field","name":{"kind":"Name","value":"onlineBookingBlocked"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"notes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}},{"kind":"Field","name":{"kind":"Name","value":"documents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"fileName"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrlExpiresAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"communicationPreferences"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}}]}},{"kind":"Field","name":{"kind":"Name","value":"activity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"hasApp"}},{"kind":"Field","name":{"kind":"Name","value":"upcomingBookings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}},{"kind":"Field","name":{"kind":"Name","value":"serviceName"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"loyalty"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}},{"kind":"Field","name":{"kind":"Name","value":"balanceValue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"ranks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"category"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rank"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"since"}},{"kind":"Field","name":{"kind":"Name","value":"stripes"}},{"kind":"Field","name":{"kind":"Name","value":"visitsInRank"}},{"kind":"Field","name":{"kind":"Name","value":"eligibleForPromotion"}},{"kind":"Field","name":{"kind":"Name","value":"nextRank"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"timeline"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"summary"}}]}}]}}]}}]}}]} as unknown as DocumentNode<ClientCardQuery, ClientCardQueryVariables>;
export const MyCardDocument = {"__meta__":{"hash":"sha256:ed61ead4e1b54b7dabc4c8e1d1dadabf71bce74fdf33f5076861c44c16fe703d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MyCard"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"Card"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"Card"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Client"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"middleName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"birthDate"}},{"kind":"Field","name":{"kind":"Name","value":"gender"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"source"}},{"kind":"Field","name":{"kind":"Name","value":"language"}},{"kind":"Field","name":{"kind":"Name","value":"onlineBookingBlocked"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"notes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}},{"kind":"Field","name":{"kind":"Name","value":"documents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"fileName"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrlExpiresAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"communicationPreferences"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"channel"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}}]}},{"kind":"Field","name":{"kind":"Name","value":"activity"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"hasApp"}},{"kind":"Field","name":{"kind":"Name","value":"upcomingBookings"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"startsAt"}},{"kind":"Field","name":{"kind":"Name","value":"serviceName"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"loyalty"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}},{"kind":"Field","name":{"kind":"Name","value":"balanceValue"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"amount"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"ranks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"category"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rank"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"since"}},{"kind":"Field","name":{"kind":"Name","value":"stripes"}},{"kind":"Field","name":{"kind":"Name","value":"visitsInRank"}},{"kind":"Field","name":{"kind":"Name","value":"eligibleForPromotion"}},{"kind":"Field","name":{"kind":"Name","value":"nextRank"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"timeline"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"summary"}}]}}]}}]}}]}}]} as unknown as DocumentNode<MyCardQuery, MyCardQueryVariables>;
export const ClientListDocument = {"__meta__":{"hash":"sha256:44ccda1415f0fd8d7467c454756df134c05640671d18eab408c12114cff16d97"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ClientList"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ClientFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"last"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"before"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"clients"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"last"},"value":{"kind":"Variable","name":{"kind":"Name","value":"last"}}},{"kind":"Argument","name":{"kind":"Name","value":"before"},"value":{"kind":"Variable","name":{"kind":"Name","value":"before"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"hasPreviousPage"}},{"kind":"Field","name":{"kind":"Name","value":"startCursor"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ClientRow"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ClientRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Client"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"loyalty"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ranks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"category"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rank"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<ClientListQuery, ClientListQueryVariables>;
export const CreateClientDocument = {"__meta__":{"hash":"sha256:b1c2031ed174223e95470197e0e7a97452344b263c9b7af03d827e1c87685312"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateClient"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ClientInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createClient"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"client"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ClientRow"}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ClientRow"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Client"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"loyalty"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}}]}},{"kind":"Field","name":{"kind":"Name","value":"ranks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"category"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rank"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}}]}}]}}]} as unknown as DocumentNode<CreateClientMutation, CreateClientMutationVariables>;
export const PromoteClientDocument = {"__meta__":{"hash":"sha256:b0da2d6ee0f28d88258d4de27b4f7d543505d24e72a8ba3f7c8f2b0b8207c413"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"PromoteClient"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"categoryId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"note"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"promoteClient"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"clientId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}}},{"kind":"Argument","name":{"kind":"Name","value":"categoryId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"categoryId"}}},{"kind":"Argument","name":{"kind":"Name","value":"note"},"value":{"kind":"Variable","name":{"kind":"Name","value":"note"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"clientRank"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"rank"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"stripes"}},{"kind":"Field","name":{"kind":"Name","value":"since"}}]}},{"kind":"Field","name":{"kind":"Name","value":"change"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"trigger"}},{"kind":"Field","name":{"kind":"Name","value":"at"}}]}},{"kind":"Field","name":{"kind":"Name","value":"client"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"ranks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"stripes"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<PromoteClientMutation, PromoteClientMutationVariables>;
export const GrantPointsDocument = {"__meta__":{"hash":"sha256:138addffe73ebb506e920e9bf0258518d19156ab339d77d2534512be67f4862b"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"GrantPoints"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"points"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"note"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expiryDays"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"grantPoints"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"clientId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"clientId"}}},{"kind":"Argument","name":{"kind":"Name","value":"points"},"value":{"kind":"Variable","name":{"kind":"Name","value":"points"}}},{"kind":"Argument","name":{"kind":"Name","value":"note"},"value":{"kind":"Variable","name":{"kind":"Name","value":"note"}}},{"kind":"Argument","name":{"kind":"Name","value":"expiryDays"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expiryDays"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"entries"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"points"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"account"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}}]}},{"kind":"Field","name":{"kind":"Name","value":"client"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"loyalty"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"userErrors"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"field"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"code"}}]}}]}}]}}]} as unknown as DocumentNode<GrantPointsMutation, GrantPointsMutationVariables>;
export const RankReportDocument = {"__meta__":{"hash":"sha256:b2a7520c9baf528155dbb5b55877009fb054d6c6088b537f616797662f18a6b5"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"RankReport"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"categoryId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"RankReportFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rankReport"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"categoryId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"categoryId"}}},{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"client"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}}]}},{"kind":"Field","name":{"kind":"Name","value":"rank"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"eligibleForPromotion"}},{"kind":"Field","name":{"kind":"Name","value":"visitsInRank"}}]}}]}}]}}]}}]} as unknown as DocumentNode<RankReportQuery, RankReportQueryVariables>;
export const CrmTodayDocument = {"__meta__":{"hash":"sha256:7fda364ea12c44dd960e46e55c3b2b96e38b8e3becdecb05fbcbb1ab56f7a1dc"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CrmToday"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"date"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"Date"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"branchId"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"crmSummary"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"date"},"value":{"kind":"Variable","name":{"kind":"Name","value":"date"}}},{"kind":"Argument","name":{"kind":"Name","value":"branchId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"branchId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"bookedToday"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"count"}}]}},{"kind":"Field","name":{"kind":"Name","value":"onWaitlist"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"count"}}]}},{"kind":"Field","name":{"kind":"Name","value":"cancelled"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"count"}}]}},{"kind":"Field","name":{"kind":"Name","value":"birthdays"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"count"}}]}},{"kind":"Field","name":{"kind":"Name","value":"withApp"}},{"kind":"Field","name":{"kind":"Name","value":"activeInApp"}}]}}]}}]} as unknown as DocumentNode<CrmTodayQuery, CrmTodayQueryVariables>;
export const InboxDocument = {"__meta__":{"hash":"sha256:114ec8650bb427c49f9b4539d529614c37722bd41af735a7935475072e154984"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Inbox"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"unreadOnly"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"staffNotifications"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"unreadOnly"},"value":{"kind":"Variable","name":{"kind":"Name","value":"unreadOnly"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"message"}},{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"read"}},{"kind":"Field","name":{"kind":"Name","value":"client"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"firstName"}},{"kind":"Field","name":{"kind":"Name","value":"lastName"}}]}}]}}]}}]} as unknown as DocumentNode<InboxQuery, InboxQueryVariables>;