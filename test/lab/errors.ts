// Test lab: typed errors with stable codes.
export type LabErrorCode =
  | 'LAB_COMMAND_FAILED'
  | 'LAB_TIMEOUT'
  | 'LAB_PROCESS_EXITED'
  | 'LAB_LEAK'
  | 'LAB_BAD_OUTPUT'
  | 'LAB_UML_FAILED'
  | 'LAB_CLOSED';

export class LabError extends Error {
  readonly code: LabErrorCode;
  constructor(code: LabErrorCode, message: string) {
    super(message);
    this.name = 'LabError';
    this.code = code;
  }
}
