/**
 * An HTTP error of the connector REST API, answered in Kafka Connect's error shape
 * `{ "error_code": <status>, "message": "…" }` (Kafka's `ErrorMessage`).
 */
import { ConnectorConfigError, ConnectorOffsetsError, UnknownConnectorError } from '../../connectors/index.js';

export class HttpError extends Error {
  override readonly name = 'HttpError';

  /** `headers`: extra response headers (e.g. `WWW-Authenticate` on 401). */
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The status and body Kafka Connect would answer for `error`. */
export function errorResponse(error: unknown): { status: number; headers: Record<string, string>; body: { error_code: number; message: string } } {
  const status = error instanceof HttpError ? error.status : error instanceof UnknownConnectorError ? 404 : error instanceof ConnectorConfigError || error instanceof ConnectorOffsetsError ? 400 : 500;
  const headers = error instanceof HttpError ? error.headers : {};
  return { status, headers, body: { error_code: status, message: error instanceof Error ? error.message : String(error) } };
}
