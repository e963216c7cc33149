/**
 * Where an application was made (受理渠道): on a PC page, on the phone, at
 * the one-thing window (一窗受理) or on a self-service kiosk. Counted in the
 * assessment metrics and passed to the rating system with the rating.
 *
 * @module
 */
import { InvalidInputError } from './answers.ts';

export const APPLICATION_CHANNELS = ['PC', 'MOBILE', 'WINDOW', 'KIOSK'] as const;

export type ApplicationChannel = (typeof APPLICATION_CHANNELS)[number];

/** What an application made by a client that does not say its channel is counted as: the contract's front-ends are PC pages. */
export const DEFAULT_CHANNEL: ApplicationChannel = 'PC';

/** Channels a client may name itself. WINDOW is set by the gateway for window-assisted applications, never taken from input. */
export const SELF_SERVICE_CHANNELS: readonly ApplicationChannel[] = ['PC', 'MOBILE', 'KIOSK'];

/**
 * The channel of a self-service submission: the client's, or
 * {@link DEFAULT_CHANNEL} when it names none.
 *
 * @throws InvalidInputError (BAD_USER_INPUT) naming the field `channel`:
 *   CHANNEL_NOT_SELF_SERVICE for WINDOW (a client claiming to be the window
 *   would be counted as assisted service it never got), INVALID_CHANNEL for
 *   anything that is not a channel at all.
 */
export function selfServiceChannel(requested: string | null | undefined): ApplicationChannel {
  if (requested === null || requested === undefined) return DEFAULT_CHANNEL;
  if ((SELF_SERVICE_CHANNELS as readonly string[]).includes(requested)) return requested as ApplicationChannel;
  if (requested === 'WINDOW') {
    throw new InvalidInputError([
      {
        field: 'channel',
        code: 'CHANNEL_NOT_SELF_SERVICE',
        message: 'channel WINDOW is recorded by the gateway for applications made with window staff; submit as PC, MOBILE or KIOSK',
      },
    ]);
  }
  throw new InvalidInputError([
    { field: 'channel', code: 'INVALID_CHANNEL', message: `channel must be one of ${SELF_SERVICE_CHANNELS.join(', ')}` },
  ]);
}
