/**
 * What each platform sends, written from its public docs (docs/platforms.md cites the pages):
 * the fixtures of test/platforms/* and the simulator's calls. Only documented fields appear.
 */

export interface SimCall {
  callId: string;
  /** The customer's number (E.164). */
  customer: string;
  /** Our number. */
  agentNumber: string;
  startedAtMs: number;
  endedAtMs: number;
  /** What the customer says (one line per turn). */
  customerSays: string[];
  summary: string;
}

const agentLine = 'Hi, this is Ava calling about your quote. You can opt out at any time.';

export const vapi = {
  assistantRequest: (c: SimCall) => ({
    message: {
      type: 'assistant-request',
      timestamp: c.startedAtMs,
      call: { id: c.callId, type: 'inboundPhoneCall', orgId: 'org-sim' },
      phoneNumber: { number: c.agentNumber },
      customer: { number: c.customer },
    },
  }),
  toolCalls: (c: SimCall, calls: { id: string; name: string; arguments: Record<string, unknown> }[]) => ({
    message: {
      type: 'tool-calls',
      call: { id: c.callId },
      customer: { number: c.customer },
      toolCallList: calls.map((t) => ({
        id: t.id,
        type: 'function',
        function: { name: t.name, arguments: t.arguments },
      })),
    },
  }),
  transcript: (c: SimCall, text: string) => ({
    message: {
      type: 'transcript',
      role: 'user',
      transcriptType: 'final',
      transcript: text,
      call: { id: c.callId },
      customer: { number: c.customer },
    },
  }),
  endOfCallReport: (c: SimCall, endedReason = 'customer-ended-call') => ({
    message: {
      type: 'end-of-call-report',
      endedReason,
      timestamp: c.endedAtMs,
      endedAt: new Date(c.endedAtMs).toISOString(),
      durationSeconds: (c.endedAtMs - c.startedAtMs) / 1000,
      call: { id: c.callId },
      customer: { number: c.customer },
      artifact: { transcript: [`AI: ${agentLine}`, ...c.customerSays.map((s) => `User: ${s}`)].join('\n') },
      analysis: { summary: c.summary, successEvaluation: 'true' },
    },
  }),
};

const retellCall = (c: SimCall, extra: Record<string, unknown> = {}) => ({
  call_id: c.callId,
  call_type: 'phone_call',
  agent_id: 'agent_sim',
  direction: 'inbound',
  from_number: c.customer,
  to_number: c.agentNumber,
  start_timestamp: c.startedAtMs,
  transcript_object: [
    { role: 'agent', content: agentLine },
    ...c.customerSays.map((s) => ({ role: 'user', content: s })),
  ],
  ...extra,
});

export const retell = {
  inbound: (c: SimCall) => ({
    event: 'call_inbound',
    call_inbound: { agent_id: 'agent_sim', from_number: c.customer, to_number: c.agentNumber },
  }),
  functionCall: (c: SimCall, name: string, args: Record<string, unknown>) => ({ name, call: retellCall(c), args }),
  transcriptUpdated: (c: SimCall) => ({ event: 'transcript_updated', call: retellCall(c) }),
  callEnded: (c: SimCall, disconnection_reason = 'user_hangup') => ({
    event: 'call_ended',
    call: retellCall(c, { end_timestamp: c.endedAtMs, duration_ms: c.endedAtMs - c.startedAtMs, disconnection_reason }),
  }),
  callAnalyzed: (c: SimCall, disconnection_reason = 'user_hangup') => ({
    event: 'call_analyzed',
    call: retellCall(c, {
      end_timestamp: c.endedAtMs,
      duration_ms: c.endedAtMs - c.startedAtMs,
      disconnection_reason,
      call_analysis: { call_summary: c.summary, in_voicemail: false, user_sentiment: 'Neutral', call_successful: true },
    }),
  }),
};

const telnyxEnvelope = (eventType: string, id: string, occurredAtMs: number, payload: Record<string, unknown>) => ({
  data: { record_type: 'event', event_type: eventType, id, occurred_at: new Date(occurredAtMs).toISOString(), payload },
});

export const telnyx = {
  initialization: (c: SimCall) =>
    telnyxEnvelope('assistant.initialization', `evt-init-${c.callId}`, c.startedAtMs, {
      telnyx_conversation_channel: 'phone_call',
      telnyx_agent_target: c.agentNumber,
      telnyx_end_user_target: c.customer,
      telnyx_end_user_target_verified: false,
      call_control_id: c.callId,
    }),
  conversationEnded: (c: SimCall) =>
    telnyxEnvelope('call.conversation.ended', `evt-conv-${c.callId}`, c.endedAtMs, {
      assistant_id: 'assistant-sim',
      call_control_id: c.callId,
      call_session_id: `session-${c.callId}`,
      calling_party_type: 'pstn',
      conversation_id: `conv-${c.callId}`,
      duration_sec: Math.round((c.endedAtMs - c.startedAtMs) / 1000),
      from: c.customer,
      to: c.agentNumber,
    }),
  hangup: (c: SimCall, hangup_cause = 'normal_clearing') =>
    telnyxEnvelope('call.hangup', `evt-hangup-${c.callId}`, c.endedAtMs, {
      call_control_id: c.callId,
      call_session_id: `session-${c.callId}`,
      connection_id: 'conn-sim',
      from: c.customer,
      to: c.agentNumber,
      direction: 'incoming',
      start_time: new Date(c.startedAtMs).toISOString(),
      end_time: new Date(c.endedAtMs).toISOString(),
      hangup_cause,
      hangup_source: 'caller',
    }),
};

export const twilio = {
  status: (c: SimCall, CallStatus: string) => ({
    AccountSid: 'AC00000000000000000000000000000000',
    ApiVersion: '2010-04-01',
    CallSid: c.callId,
    CallStatus,
    Direction: 'inbound',
    From: c.customer,
    To: c.agentNumber,
    ...(CallStatus === 'completed' ? { CallDuration: String(Math.round((c.endedAtMs - c.startedAtMs) / 1000)) } : {}),
    Timestamp: new Date(CallStatus === 'completed' ? c.endedAtMs : c.startedAtMs).toUTCString(),
    SequenceNumber: CallStatus === 'completed' ? '3' : '1',
  }),
};

export const bland = {
  dynamicData: (c: SimCall) => ({ phone_number: c.customer, call_id: c.callId }),
  postCall: (c: SimCall) => ({
    call_id: c.callId,
    c_id: c.callId,
    to: c.agentNumber,
    from: c.customer,
    inbound: true,
    completed: true,
    status: 'completed',
    call_length: (c.endedAtMs - c.startedAtMs) / 60_000,
    answered_by: 'human',
    call_ended_by: 'USER',
    summary: c.summary,
    created_at: new Date(c.startedAtMs).toISOString(),
    end_at: new Date(c.endedAtMs).toISOString(),
    transcripts: [
      { id: 1, user: 'assistant', text: agentLine },
      ...c.customerSays.map((text, i) => ({ id: i + 2, user: 'user', text })),
    ],
    concatenated_transcript: [`assistant: ${agentLine}`, ...c.customerSays.map((s) => `user: ${s}`)].join('\n'),
    variables: {},
  }),
};

export const synthflow = {
  inbound: (c: SimCall) => ({
    event: 'call_inbound',
    call_inbound: { model_id: 'model-sim', from_number: c.customer, to_number: c.agentNumber },
  }),
  postCall: (c: SimCall) => ({
    status: 'completed',
    lead: { name: 'Sim Caller', phone_number: c.customer },
    call: {
      call_id: c.callId,
      model_id: 'model-sim',
      status: 'completed',
      end_call_reason: 'human_goodbye',
      duration: Math.round((c.endedAtMs - c.startedAtMs) / 1000),
      end_time: new Date(c.endedAtMs).toISOString(),
      transcript: [`bot: ${agentLine}`, ...c.customerSays.map((s) => `human: ${s}`)].join('\n'),
    },
  }),
};
