import type { VoicesApi } from '../generated/api/voices-api';
import type { ListVoicesResponse } from '../generated/models';
import { APIPromise } from './api-promise';
import { toAxiosConfig, type RequestOptions } from './request-options';

/** `together.voices`: the voice catalogue. */
export class Voices {
  constructor(private readonly api: () => Promise<VoicesApi>) {}

  /** Every speech model with the voices it offers. */
  list(options?: RequestOptions): APIPromise<ListVoicesResponse> {
    return new APIPromise(
      async (responseType) => (await this.api()).fetchVoices({ ...toAxiosConfig(options), ...(responseType && { responseType }) }),
      (response) => response.data as ListVoicesResponse,
      options,
    );
  }
}
